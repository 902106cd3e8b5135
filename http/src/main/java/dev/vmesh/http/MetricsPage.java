package dev.vmesh.http;

import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

/**
 * {@code MetricsPage} is {@code /metrics}: the Prometheus client's own scrape handler (format chosen by the
 * {@code Accept} header, {@code name[]} filters, gzip when asked) answering over an {@link HttpCall}.
 */
public final class MetricsPage {
  private final PrometheusScrapeHandler handler;

  public MetricsPage(PrometheusRegistry registry) {
    this.handler = new PrometheusScrapeHandler(registry);
  }

  public HttpReply serve(HttpCall call) throws IOException {
    Exchange ex = new Exchange(call);
    handler.handleRequest(ex);
    if (ex.failure != null) {
      throw ex.failure;
    }
    return new HttpReply(ex.status, ex.contentType, ex.body.toByteArray(), List.copyOf(ex.headers));
  }

  private static final class Exchange implements PrometheusHttpExchange, PrometheusHttpRequest,
      PrometheusHttpResponse {
    private final HttpCall call;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private String contentType = "text/plain; charset=utf-8";
    private int status = 200;
    private IOException failure;

    Exchange(HttpCall call) {
      this.call = call;
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return this;
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return this;
    }

    @Override
    public void handleException(IOException e) {
      failure = e;
    }

    @Override
    public void handleException(RuntimeException e) {
      failure = new IOException(e);
    }

    @Override
    public void close() {}

    @Override
    public String getQueryString() {
      return call.rawQuery().isEmpty() ? null : call.rawQuery();
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      String v = call.header(name);
      return Collections.enumeration(v == null ? List.of() : List.of(v));
    }

    @Override
    public String getMethod() {
      return call.method();
    }

    @Override
    public String getRequestPath() {
      return call.path();
    }

    @Override
    public void setHeader(String name, String value) {
      if (name.equalsIgnoreCase("Content-Type")) {
        contentType = value;
      } else if (!name.equalsIgnoreCase("Content-Length")) {
        headers.add(Map.entry(name, value));
      }
    }

    @Override
    public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
      status = statusCode;
      return body;
    }
  }
}

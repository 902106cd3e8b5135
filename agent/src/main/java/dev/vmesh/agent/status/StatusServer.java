package dev.vmesh.agent.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code StatusServer} is the agent's HTTP side: on the status port (15020) {@code /metrics},
 * {@code /healthz/ready}, {@code /debug/status} and the routes added with {@link #route} ({@code
 * /stats/prometheus}); on the readiness port (15021) {@code /healthz/ready}
 * alone, as Istio's sidecar, for load balancers and orchestration that check whether the VM is in the mesh.
 */
public final class StatusServer implements AutoCloseable {
  /** Why the agent is not ready, or null when it is. */
  public interface Readiness extends Supplier<String> {}

  private final List<HttpServer> servers = new ArrayList<>();
  private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "agent-status");
    t.setDaemon(true);
    return t;
  });

  /** Starts both ports ({@code readinessAddress} may be null); {@code status} gives /debug/status JSON. */
  public StatusServer(InetSocketAddress statusAddress, InetSocketAddress readinessAddress, PrometheusRegistry metrics,
      Readiness readiness, Supplier<String> status) throws IOException {
    HttpServer main = HttpServer.create(statusAddress, 64);
    main.createContext("/metrics", new MetricsHandler(metrics));
    main.createContext("/healthz/ready", ex -> ready(ex, readiness));
    main.createContext("/debug/status", ex -> reply(ex, 200, "application/json", status.get()));
    servers.add(main);
    if (readinessAddress != null) {
      HttpServer r = HttpServer.create(readinessAddress, 64);
      r.createContext("/healthz/ready", ex -> ready(ex, readiness));
      servers.add(r);
    }
    for (HttpServer s : servers) {
      s.setExecutor(executor);
      s.start();
    }
  }

  /** A page served on the status port: content type and body, made when asked. */
  public interface Page {
    MergedMetrics.Page get() throws IOException;
  }

  /** Serves {@code page} at {@code path} on the status port (15020), e.g. the merged {@code /stats/prometheus}. */
  public void route(String path, Page page) {
    servers.get(0).createContext(path, ex -> {
      MergedMetrics.Page p = page.get();
      ex.getResponseHeaders().set("Content-Type", p.contentType());
      ex.sendResponseHeaders(200, p.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(p.body());
      }
    });
  }

  public InetSocketAddress statusAddress() {
    return servers.get(0).getAddress();
  }

  public InetSocketAddress readinessAddress() {
    return servers.size() > 1 ? servers.get(1).getAddress() : null;
  }

  private static void ready(HttpExchange ex, Readiness readiness) throws IOException {
    String why = readiness.get();
    reply(ex, why == null ? 200 : 503, "text/plain; charset=utf-8", why == null ? "ready\n" : why + "\n");
  }

  private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    for (HttpServer s : servers) {
      s.stop(0);
    }
    executor.shutdownNow();
  }
}

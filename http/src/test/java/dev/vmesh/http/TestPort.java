package dev.vmesh.http;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** An {@link HttpPort} on a free loopback port with its own metrics registry, for tests. */
final class TestPort implements AutoCloseable {
  final PrometheusRegistry registry = new PrometheusRegistry();
  final HttpPort port;

  TestPort(HttpLimits limits, HttpService service) throws IOException {
    port = HttpPort.start("test", new InetSocketAddress("127.0.0.1", 0), limits, service,
        new HttpMetrics(registry, "t_"));
  }

  InetSocketAddress address() {
    return port.address();
  }

  String metrics() {
    try {
      var out = new ByteArrayOutputStream();
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    port.close();
  }
}

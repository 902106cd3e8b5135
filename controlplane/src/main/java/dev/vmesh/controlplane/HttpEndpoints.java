package dev.vmesh.controlplane;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HttpEndpoints} serves the server's HTTP port (15014): {@code /ready}, and the debug pages
 * {@code /debug/registryz}, {@code /debug/configz} and {@code /debug/config_errors}. Read-only.
 */
final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);

  /** What a page answers: a status code, a content type and a body. */
  record Page(int status, String contentType, String body) {
    static Page json(String body) {
      return new Page(200, "application/json", body);
    }

    static Page text(int status, String body) {
      return new Page(status, "text/plain; charset=utf-8", body);
    }
  }

  private final HttpServer server;

  HttpEndpoints(InetSocketAddress address, java.util.Map<String, Supplier<Page>> pages) throws IOException {
    server = HttpServer.create(address, 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    pages.forEach((path, page) -> server.createContext(path, exchange -> serve(exchange, path, page)));
    server.createContext("/", exchange -> {
      try (exchange) {
        send(exchange, Page.text(404, "not found; try " + String.join(", ", pages.keySet()) + "\n"));
      }
    });
    server.start();
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  private static void serve(HttpExchange exchange, String path, Supplier<Page> page) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals(path)) {
        send(exchange, Page.text(404, "not found\n"));
      } else if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.getResponseHeaders().add("Allow", "GET, HEAD");
        send(exchange, Page.text(405, "method not allowed\n"));
      } else {
        send(exchange, page.get());
      }
    } catch (RuntimeException e) {
      LOG.warn("event=http_page_failed path={} error={}", path, e.toString(), e);
    }
  }

  private static void send(HttpExchange exchange, Page page) throws IOException {
    byte[] body = page.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", page.contentType());
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(page.status(), head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

package dev.vmesh.agent.status;

import dev.vmesh.api.Listeners;
import dev.vmesh.http.HttpCall;
import dev.vmesh.http.HttpLimits;
import dev.vmesh.http.HttpMetrics;
import dev.vmesh.http.HttpPort;
import dev.vmesh.http.HttpReply;
import dev.vmesh.http.HttpService;
import dev.vmesh.http.MetricsPage;
import dev.vmesh.http.Pages;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code StatusServer} is the agent's HTTP side, each port with the limits of {@link HttpLimits#AGENT}:
 * on the status port (15020) {@code /healthz/ready}, {@code /healthz}, {@code /version}, {@code /metrics},
 * the routes added with {@link #route} ({@code /stats/prometheus}) and the debug pages ({@code /debug},
 * {@code /debug/status}); on the readiness port (15021)
 * {@code /healthz/ready} alone, as Istio's sidecar, for load balancers and orchestration that check whether
 * the VM is in the mesh. Both listen on all interfaces by default so probes and scrapes reach them; the
 * debug pages, which show the VM's identity and configuration, answer only calls from the VM itself
 * (loopback, or one of its own addresses calling itself) and 403 to anyone else.
 */
public final class StatusServer implements AutoCloseable {
  /** Why the agent is not ready, or null when it is. */
  public interface Readiness extends Supplier<String> {}

  private static final List<Map.Entry<String, String>> DEBUG_PAGES = List.of(
      Map.entry("/debug/status", "identity, server connection, certificate, health, DNS and local xDS (JSON)"));

  private final List<HttpPort> ports = new ArrayList<>();
  private final Map<String, Page> routes = new ConcurrentHashMap<>();
  private final HttpService statusService;
  private final HttpPort statusPort;
  private final HttpPort readinessPort;

  /**
   * Starts both ports (either address may be null for none); {@code status} gives the /debug/status JSON.
   * A taken address fails with a {@link java.net.BindException} naming it and the flag to change.
   */
  public StatusServer(InetSocketAddress statusAddress, InetSocketAddress readinessAddress, PrometheusRegistry metrics,
      Readiness readiness, Supplier<String> status) throws IOException {
    this(statusAddress, readinessAddress, metrics, readiness, status, HttpLimits.AGENT);
  }

  public StatusServer(InetSocketAddress statusAddress, InetSocketAddress readinessAddress, PrometheusRegistry metrics,
      Readiness readiness, Supplier<String> status, HttpLimits limits) throws IOException {
    HttpMetrics httpMetrics = new HttpMetrics(metrics, "vmesh_agent_");
    MetricsPage metricsPage = new MetricsPage(metrics);
    try {
      this.statusService = call -> switch (call.path()) {
        case "/healthz/ready" -> ready(readiness);
        case "/healthz" -> Pages.healthz();
        case "/version" -> Pages.versionJson();
        case "/metrics" -> metricsPage.serve(call);
        case "/debug" -> debug(call, () -> Pages.index("vmesh agent debug pages (GET, from this VM only):",
            DEBUG_PAGES));
        case "/debug/status" -> debug(call, () -> HttpReply.json(200, status.get()));
        default -> {
          Page page = routes.get(call.path());
          if (page == null) {
            yield HttpReply.text(404, "not found\n");
          }
          MergedMetrics.Page p = page.get();
          yield new HttpReply(200, p.contentType(), p.body(), List.of());
        }
      };
      this.statusPort = statusAddress == null ? null : open("status", "status (15020: metrics, health, debug pages)",
          statusAddress, "--status-address", limits, httpMetrics, statusService);
      this.readinessPort = readinessAddress == null ? null : open("readiness", "readiness (15021)", readinessAddress,
          "--readiness-address", limits, httpMetrics, call -> call.path().equals("/healthz/ready")
              ? ready(readiness) : HttpReply.text(404, "not found; this port serves /healthz/ready only\n"));
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private HttpPort open(String name, String what, InetSocketAddress address, String flag, HttpLimits limits,
      HttpMetrics metrics, HttpService service) throws IOException {
    try {
      HttpPort p = HttpPort.start(name, address, limits, service, metrics);
      ports.add(p);
      return p;
    } catch (IOException e) {
      throw Listeners.isBindFailure(e) ? Listeners.bindFailed(what, address, flag, flag + " off", e) : e;
    }
  }

  /** A page served on the status port: content type and body, made when asked. */
  public interface Page {
    MergedMetrics.Page get() throws IOException;
  }

  /** Serves {@code page} at {@code path} on the status port (15020), e.g. the merged {@code /stats/prometheus}. */
  public void route(String path, Page page) {
    routes.put(path, page);
  }

  /** What the status port answers to {@code call} (tests use it to call as another machine would). */
  HttpReply statusPage(HttpCall call) throws Exception {
    return statusService.serve(call);
  }

  /** The status port's address, or null when it is off. */
  public InetSocketAddress statusAddress() {
    return statusPort == null ? null : statusPort.address();
  }

  /** The readiness port's address, or null when it is off. */
  public InetSocketAddress readinessAddress() {
    return readinessPort == null ? null : readinessPort.address();
  }

  private static HttpReply ready(Readiness readiness) {
    String why = readiness.get();
    return HttpReply.text(why == null ? 200 : 503, why == null ? "ready\n" : why + "\n");
  }

  private HttpReply debug(HttpCall call, Supplier<HttpReply> page) {
    if (!call.fromThisHost()) {
      return HttpReply.text(403, "the debug pages show this VM's identity and configuration, so they answer only"
          + " on the VM itself: curl http://127.0.0.1:" + call.local().getPort() + call.path() + "\n");
    }
    return page.get();
  }

  @Override
  public void close() {
    for (HttpPort p : ports) {
      p.close();
    }
  }
}

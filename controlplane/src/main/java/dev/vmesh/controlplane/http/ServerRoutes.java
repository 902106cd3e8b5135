package dev.vmesh.controlplane.http;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceWriter;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.ca.BootstrapTokens;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.controlplane.autoregistration.Registrations;
import dev.vmesh.http.HttpReply;
import dev.vmesh.http.MetricsPage;
import dev.vmesh.http.Pages;
import dev.vmesh.pki.Pem;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryJson;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.StoreHealth;
import dev.vmesh.xds.XdsServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code ServerRoutes} is what the server serves on its HTTP port: liveness, readiness, version, metrics, the
 * debug pages and their index, the admin API for config and bootstrap tokens, and what onboarding needs
 * (root certificate, trust domain).
 *
 * @param files the config directory's store (for its problems), or null when there is none
 * @param synced whether the registry has loaded the store (readiness, with the store taking writes)
 * @param registrations what auto-registration came to per connection, for syncz
 */
public record ServerRoutes(ConfigStore store, FileConfigStore files, BooleanSupplier synced,
    Supplier<Registry> registry, XdsServer xds, PrometheusRegistry metrics, BootstrapTokens tokens,
    CertificateAuthority ca, String trustDomain, Registrations registrations) {

  /** Ready once the registry has loaded the store, and while the store takes writes. */
  private Http.Response ready() {
    if (!synced.getAsBoolean()) {
      return Http.Response.text(503, "loading configuration\n");
    }
    StoreHealth health = store.health();
    return health.writable() ? Http.Response.text(200, "ready\n")
        : Http.Response.text(503, "the store cannot write since " + health.since() + ": " + health.reason() + "\n");
  }

  /** What one connected proxy was sent: {@code ?proxy=} takes the connection id that syncz lists. */
  private Http.Response configDump(Http.Request r) {
    String id = r.query().getOrDefault("proxy", "");
    if (id.isEmpty()) {
      return Http.Response.text(400, "name the proxy: /debug/config_dump?proxy=CONNECTION_ID (the PROXY column of"
          + " vmesh proxy-status, or connectionId in /debug/syncz)\n");
    }
    return xds.configDump(id).map(d -> Http.Response.json(200, ConfigDumpJson.json(d)))
        .orElseGet(() -> Http.Response.text(404, "no proxy " + id + " is connected; vmesh proxy-status lists those"
            + " that are\n"));
  }

  /** Adds the routes to {@code http}; {@code protectDebug} puts the debug pages behind the admin token. */
  public void install(Http http, boolean protectDebug) {
    http.route("/ready", false, r -> ready());
    http.route("/healthz", false, r -> text(Pages.healthz()));
    http.route("/version", false, r -> text(Pages.versionJson()));
    MetricsPage metricsPage = new MetricsPage(metrics);
    http.raw("/metrics", false, "Prometheus metrics (docs/metrics.md)", metricsPage::serve);
    http.route("/debug/registryz", protectDebug, "services, endpoints and the name table as the registry has them",
        r -> Http.Response.json(200, RegistryJson.json(registry.get())));
    http.route("/debug/networkz", protectDebug, "network gateways per network, where each was learned, and"
        + " meshNetworks", r -> Http.Response.json(200, NetworkJson.json(registry.get().networks())));
    http.route("/debug/configz", protectDebug, "every stored object (ServiceEntry, WorkloadEntry, WorkloadGroup)",
        r -> Http.Response.json(200, ResourceWriter.jsonList(store.list(ListOptions.all()).items(), true) + "\n"));
    http.route("/debug/config_errors", protectDebug, "problems found in the --config directory's files",
        r -> Http.Response.json(200, TreeWriter.json((files == null ? List.<Problem>of() : files.problems())
            .stream().map(Problem::toTree).toList(), true) + "\n"));
    http.route("/debug/syncz", protectDebug, "each connected proxy: its node, and per type what was sent and acked",
        r -> Http.Response.json(200, SyncJson.json(xds.syncStatus(), registrations)));
    http.route("/debug/refusedz", protectDebug, "the last 100 xDS streams the server refused or ended with an error",
        r -> Http.Response.json(200, SyncJson.refused(xds.refusedStreams())));
    http.route("/debug/config_dump", protectDebug, "what one connected proxy holds: ?proxy=ID (ids on /debug/syncz)",
        this::configDump);
    http.route("/debug", protectDebug, r -> text(Pages.index("vmesh server debug pages (GET; JSON):",
        http.routesUnder("/debug/"))));
    http.routePrefix(AdminApi.PREFIX, true, new AdminApi(store));
    http.routePrefix(TokenAdmin.PREFIX, true, new TokenAdmin(tokens));
    http.route("/admin/ca/root-cert.pem", true, r -> new Http.Response(200, "application/x-pem-file",
        Pem.certificates(ca.roots()), List.of()));
    // What onboarding needs to know about this mesh (vmesh workload entry configure).
    http.route("/admin/mesh", true, r -> new Http.Response(200, "application/json",
        TreeWriter.json(Map.of("trustDomain", trustDomain, "rootCert", Pem.certificates(ca.roots())), true),
        List.of()));
  }

  private static Http.Response text(HttpReply r) {
    return new Http.Response(r.status(), r.contentType(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
  }
}

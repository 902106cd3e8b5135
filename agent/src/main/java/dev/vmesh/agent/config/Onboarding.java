package dev.vmesh.agent.config;

import dev.vmesh.api.ProxyConfig;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.TreeWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Onboarding} turns a WorkloadGroup into the settings a VM of that group needs: the proxy config
 * of {@code mesh.yaml} and the variables of {@code cluster.env}, with Istio's keys and meanings so the
 * files also suit istio-agent. Writing the files and fetching the token and root certificate is the
 * CLI's job; this class only decides their content.
 */
public final class Onboarding {
  /** The agent's status port (metrics, health) and readiness port, excluded from capture. */
  public static final int STATUS_PORT = 15020;
  public static final int READINESS_PORT = 15021;

  private Onboarding() {}

  /**
   * What the user chose on the command line.
   *
   * @param discoveryAddresses the server's xDS/CA addresses ({@code host:15012}), at least one
   * @param internalIp the VM's address as the mesh reaches it, or empty (the agent finds it)
   * @param externalIp like internalIp, for a VM whose probes must reach the app on its external IP
   */
  public record Options(List<String> discoveryAddresses, boolean autoRegister, boolean captureDns,
      String internalIp, String externalIp, String clusterId, String meshId, String trustDomain) {
    public Options {
      discoveryAddresses = List.copyOf(discoveryAddresses);
      if (!internalIp.isEmpty() && !externalIp.isEmpty()) {
        throw new IllegalArgumentException("--internal-ip and --external-ip are mutually exclusive; give one");
      }
    }
  }

  /** The content of {@code mesh.yaml} and {@code cluster.env}. */
  public record Files(ProxyConfig meshConfig, Map<String, String> clusterEnv) {}

  public static Files build(Resource group, Options o) {
    WorkloadGroupSpec spec = (WorkloadGroupSpec) group.spec();
    WorkloadEntrySpec template = spec.template() != null ? spec.template()
        : new WorkloadEntrySpec("", Map.of(), Map.of(), "", "", 0, "");
    String name = group.name();
    String namespace = group.namespace();
    String serviceAccount = template.serviceAccount().isEmpty() ? "default" : template.serviceAccount();

    Map<String, String> labels = new TreeMap<>(spec.metadata().labels());
    labels.putAll(template.labels());
    String canonicalService = first(labels, name, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
    String canonicalRevision = first(labels, "latest", "service.istio.io/canonical-revision",
        "app.kubernetes.io/version", "version");
    labels.put("service.istio.io/canonical-name", canonicalService);
    labels.put("service.istio.io/canonical-revision", canonicalRevision);

    Map<String, String> md = new TreeMap<>();
    md.put("CANONICAL_SERVICE", canonicalService);
    md.put("CANONICAL_REVISION", canonicalRevision);
    md.put("POD_NAMESPACE", namespace);
    md.put("SERVICE_ACCOUNT", serviceAccount);
    md.put("TRUST_DOMAIN", o.trustDomain());
    md.put("ISTIO_META_CLUSTER_ID", o.clusterId());
    md.put("ISTIO_META_MESH_ID", o.meshId());
    md.put("ISTIO_META_NETWORK", template.network());
    if (!template.ports().isEmpty()) {
      List<Map<String, Object>> ports = new ArrayList<>();
      new TreeMap<>(template.ports()).forEach((n, p) -> {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("name", n);
        port.put("containerPort", p);
        ports.add(port);
      });
      md.put("ISTIO_META_POD_PORTS", TreeWriter.json(ports, false));
    }
    md.put("ISTIO_META_WORKLOAD_NAME", name);
    md.put("ISTIO_METAJSON_LABELS", TreeWriter.json(labels, false));
    if (o.captureDns()) {
      md.put("ISTIO_META_DNS_CAPTURE", "true");
    }
    if (o.autoRegister()) {
      md.put("ISTIO_META_AUTO_REGISTER_GROUP", name);
    }

    Map<String, String> env = new TreeMap<>(md);
    env.put("ISTIO_INBOUND_PORTS", template.ports().isEmpty() ? "*"
        : String.join(",", template.ports().values().stream().distinct().sorted().map(String::valueOf).toList()));
    env.put("ISTIO_NAMESPACE", namespace);
    env.put("ISTIO_SERVICE", name + "." + namespace);
    env.put("ISTIO_SERVICE_CIDR", "*");
    env.put("ISTIO_LOCAL_EXCLUDE_PORTS", "22,15090," + READINESS_PORT + "," + STATUS_PORT);
    if (!o.internalIp().isEmpty()) {
      env.put("ISTIO_SVC_IP", o.internalIp());
    } else if (!o.externalIp().isEmpty()) {
      env.put("ISTIO_SVC_IP", o.externalIp());
      env.put("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true");
    }
    ProxyConfig mesh = new ProxyConfig(o.discoveryAddresses(), md, spec.probe(), 0);
    return new Files(mesh, env);
  }

  private static String first(Map<String, String> labels, String fallback, String... keys) {
    for (String k : keys) {
      String v = labels.get(k);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return fallback;
  }
}

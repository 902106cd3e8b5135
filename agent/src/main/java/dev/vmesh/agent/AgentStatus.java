package dev.vmesh.agent;

import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.envoy.EnvoySupervisor;
import dev.vmesh.agent.health.Health;
import dev.vmesh.agent.health.Prober;
import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.agent.xds.AgentStream;
import dev.vmesh.agent.xds.Registration;
import dev.vmesh.agent.xds.Upstream;
import dev.vmesh.api.Listeners;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.dns.DnsProxy;
import dev.vmesh.proto.nds.NameTable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code AgentStatus} answers what the status port asks of the agent: why it is not ready (for
 * {@code /healthz/ready}) and everything it knows about itself (for {@code /debug/status}), read from the
 * running parts at the moment of the request.
 */
final class AgentStatus {
  private final AgentConfig config;
  private final CertManager certs;
  private final DnsProxy dns;
  private final AgentParts parts;

  AgentStatus(AgentConfig config, CertManager certs, DnsProxy dns, AgentParts parts) {
    this.config = config;
    this.certs = certs;
    this.dns = dns;
    this.parts = parts;
  }

  /** Why the agent is not ready (certificate, connection, Envoy), or null. */
  String notReadyReason() {
    if (parts.withdrawn) {
      return "shutting down";
    }
    var cs = certs.status();
    if (cs.notAfter() == null) {
      return "no certificate yet" + (cs.lastError().isEmpty() ? "" : ": " + cs.lastError());
    }
    String startupError = parts.startupError;
    if (!startupError.isEmpty()) {
      return "start failed: " + startupError;
    }
    AgentStream s = parts.stream;
    if (s == null || !s.isConnected()) {
      String err = s == null ? "" : s.stats().lastError();
      Upstream upstream = parts.upstream;
      return "not connected to " + (upstream == null ? config.discoveryAddresses() : upstream.address())
          + (err.isEmpty() ? "" : ": " + err);
    }
    EnvoySupervisor e = parts.envoy;
    if (e != null && !e.isReady()) {
      return "envoy is not ready";
    }
    return null;
  }

  /** The {@code /debug/status} document. */
  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("identity", config.identity().uri());
    m.put("node", config.nodeId());
    m.put("ips", config.instanceIps());
    m.put("autoRegisterGroup", config.autoRegisterGroup());
    AgentStream stream = parts.stream;
    m.put("workloadEntry", Registration.workloadEntry(config));
    m.put("registration", Registration.of(config, stream == null ? null : stream.stats()).json());
    m.put("certificate", certificate());
    if (stream != null) {
      var st = stream.stats();
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("connected", st.connected());
      x.put("address", st.address());
      x.put("connects", st.connects());
      x.put("failures", st.failures());
      x.put("lastError", st.lastError());
      m.put("xds", x);
    }
    Prober p = parts.prober;
    if (p != null) {
      Health h = p.current();
      m.put("health", h == null ? "unknown" : h.healthy() ? "healthy" : "unhealthy: " + h.message());
    }
    NameTable t = parts.nameTable;
    m.put("nameTableHosts", t == null ? null : t.getTableCount());
    if (dns != null) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("listen", dns.listenAddresses().stream().map(Listeners::hostPort).toList());
      d.put("upstreams", dns.upstreams().stream().map(Listeners::hostPort).toList());
      d.put("hosts", dns.hasTable() ? dns.table().size() : null);
      d.put("synced", dns.synced());
      m.put("dns", d);
    }
    var capture = parts.capture;
    m.put("capture", capture == null ? "none" : capture.backend().name().toLowerCase(Locale.ROOT));
    String why = notReadyReason();
    m.put("ready", why == null);
    if (why != null) {
      m.put("notReady", why);
    }
    return TreeWriter.json(m, true) + "\n";
  }

  private Map<String, Object> certificate() {
    var cs = certs.status();
    Map<String, Object> cert = new LinkedHashMap<>();
    cert.put("notAfter", cs.notAfter() == null ? null : cs.notAfter().toString());
    cert.put("nextRenewal", cs.nextRenewal() == null ? null : cs.nextRenewal().toString());
    cert.put("failuresInARow", cs.failuresInARow());
    cert.put("lastError", cs.lastError());
    return cert;
  }
}

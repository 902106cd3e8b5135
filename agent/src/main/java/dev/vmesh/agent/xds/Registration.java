package dev.vmesh.agent.xds;

import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.api.WorkloadEntryNames;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code Registration} is what the agent knows of its VM's registration, for {@code /debug/status}:
 * how it registers ({@code auto} through its WorkloadGroup, {@code manual} under a named entry, or
 * {@code none}), and whether the server took it: {@code accepted} (the stream is up; the server's
 * {@code vmesh proxy-status} says whether the entry exists yet), {@code refused} with the server's
 * reason (the VM's address, identity, entry name or credentials), or {@code connecting}.
 */
public record Registration(String kind, String state, String reason) {

  /** The registration of the VM {@code config} describes, as {@code stats} (null before a stream) show it. */
  public static Registration of(AgentConfig config, AgentStream.Stats stats) {
    String kind = !config.autoRegisterGroup().isEmpty() ? "auto" : !config.workloadEntry().isEmpty() ? "manual"
        : "none";
    if (stats != null && !stats.refused().isEmpty()) {
      return new Registration(kind, "refused", stats.refused());
    }
    return new Registration(kind, stats != null && stats.connected() ? "accepted" : "connecting", "");
  }

  /**
   * The entry the VM is registered as: the one named in {@code WORKLOAD_ENTRY}, or for an
   * auto-registering VM the name the server gives it (group, first IP, network, by Istio's rule).
   */
  public static String workloadEntry(AgentConfig config) {
    if (!config.workloadEntry().isEmpty() || config.autoRegisterGroup().isEmpty() || config.instanceIps().isEmpty()) {
      return config.workloadEntry();
    }
    return WorkloadEntryNames.autoRegistered(config.autoRegisterGroup(), config.instanceIps().get(0),
        config.network());
  }

  /** For the status page. */
  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("state", state);
    if (!reason.isEmpty()) {
      m.put("reason", reason);
    }
    return m;
  }
}

package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fleet's agent versions are visible: the version a proxy announced in its node metadata (syncz) is
 * read per proxy and joined to the WorkloadEntry each agent is registered as.
 */
class AgentVersionsShowInProxyStatusAndWideEntriesTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  private static final String SYNCZ = """
      [
        {"connectionId": "a", "namespace": "vm", "workloadEntry": "web-10.0.0.1",
         "metadata": {"VMESH_VERSION": "1.2.3", "ISTIO_VERSION": "1.24.0"}, "types": {}},
        {"connectionId": "b", "namespace": "vm", "workloadEntry": "vm/web-10.0.0.2",
         "metadata": {"ISTIO_VERSION": "1.24.0"}, "types": {}},
        {"connectionId": "c", "namespace": "vm", "workloadEntry": "",
         "metadata": {"VMESH_VERSION": "9.9.9"}, "types": {}}
      ]
      """;

  @Test
  void aVmeshAgentsOwnVersionWinsOverTheIstioVersionAndOtherProxiesShowTheirs() {
    Map<String, String> versions = ProxyStatusCommand.versionsByWorkloadEntry(SYNCZ);

    assertThat(versions).containsExactlyInAnyOrderEntriesOf(Map.of(
        "vm/web-10.0.0.1", "1.2.3",
        "vm/web-10.0.0.2", "1.24.0"));
  }

  @Test
  void wideWorkloadEntriesShowTheConnectedAgentsVersionAndADashForNone() {
    List<Resource> items = List.of(entry("web-10.0.0.1", "10.0.0.1"), entry("web-10.0.0.3", "10.0.0.3"));
    StringWriter s = new StringWriter();

    GetCommand.table(new PrintWriter(s, true), Kind.WORKLOAD_ENTRY, items, true, NOW,
        ProxyStatusCommand.versionsByWorkloadEntry(SYNCZ));

    List<String> lines = s.toString().lines().toList();
    assertThat(lines.get(0)).containsPattern("LABELS +AGENT$");
    assertThat(lines.get(1)).startsWith("vm ").contains("web-10.0.0.1").endsWith(" 1.2.3");
    assertThat(lines.get(2)).startsWith("vm ").contains("web-10.0.0.3").endsWith(" -");
  }

  private static Resource entry(String name, String address) {
    return Resource.of(ObjectMeta.of("vm", name).withCreationTimestamp(NOW.minusSeconds(600)),
        new WorkloadEntrySpec(address, Map.of(), Map.of("app", "web"), "", "", 0, "default"));
  }
}

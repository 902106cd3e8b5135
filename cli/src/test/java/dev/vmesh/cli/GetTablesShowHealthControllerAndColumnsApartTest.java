package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code vmesh get}'s tables, from objects as the server returns them. */
class GetTablesShowHealthControllerAndColumnsApartTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  @Test
  void workloadEntriesShowHealthTheControllingReplicaAndSinceWhenConnected() {
    Resource auto = entry("python-http-127.0.0.2", "127.0.0.2", Map.of(WellKnown.WORKLOAD_CONTROLLER, "server-a",
        WellKnown.CONNECTED_AT, "2030-01-01T11:58:00.123456789Z"), health("True", ""));
    Resource failing = entry("python-http-127.0.0.3", "127.0.0.3", Map.of(WellKnown.WORKLOAD_CONTROLLER, "server-b",
        WellKnown.CONNECTED_AT, "2030-01-01T10:00:00Z", WellKnown.DISCONNECTED_AT, "2030-01-01T11:59:30.5Z"),
        health("False", "ProbeFailed"));
    Resource manual = entry("vm1", "1.1.1.1", Map.of(), ResourceStatus.EMPTY);

    String out = print(Kind.WORKLOAD_ENTRY, List.of(auto, failing, manual));

    assertThat(out.lines().toList()).containsExactly(
        "NAMESPACE   NAME                    ADDRESS     HEALTH                    CONTROLLER   CONNECTED"
            + "                        AGE",
        "vm          python-http-127.0.0.2   127.0.0.2   healthy                   server-a     since"
            + " 2030-01-01T11:58:00Z       10m",
        "vm          python-http-127.0.0.3   127.0.0.3   unhealthy (ProbeFailed)   server-b     no, since"
            + " 2030-01-01T11:59:30Z   10m",
        "vm          vm1                     1.1.1.1     -                         -            -"
            + "                                10m");
  }

  @Test
  void serviceEntryColumnsStayApartWhateverTheirLength() {
    Resource se = Resource.of(ObjectMeta.of("ns1", "a-service-entry-with-a-rather-long-name")
            .withCreationTimestamp(NOW.minusSeconds(7200)),
        new ServiceEntrySpec(List.of("svc1.internal.com", "a-much-longer-host-name.apps.example.com"), List.of(),
            List.of(new ServicePort(80, "HTTP", "http", 8080)), Location.MESH_INTERNAL, Resolution.STATIC,
            List.of(), null, List.of(), List.of()));

    String out = print(Kind.SERVICE_ENTRY, List.of(se));

    assertThat(out).contains("NAMESPACE   NAME                                      HOSTS")
        .contains("ns1         a-service-entry-with-a-rather-long-name   svc1.internal.com,"
            + "a-much-longer-host-name.apps.example.com   MESH_INTERNAL   STATIC       80/HTTP   2h");
  }

  private static String print(Kind kind, List<Resource> items) {
    StringWriter s = new StringWriter();
    GetCommand.table(new PrintWriter(s, true), kind, items, false, NOW);
    return s.toString();
  }

  private static Resource entry(String name, String address, Map<String, String> annotations, ResourceStatus st) {
    return Resource.of(ObjectMeta.of("vm", name).withAnnotations(annotations).withCreationTimestamp(NOW.minusSeconds(600)),
        new WorkloadEntrySpec(address, Map.of(), Map.of("app", "python-http"), "", "", 0, "default")).withStatus(st);
  }

  private static ResourceStatus health(String status, String reason) {
    return ResourceStatus.EMPTY.withConditions(List.of(new Condition(Condition.HEALTHY, status, null, null, reason,
        "", 0)));
  }
}

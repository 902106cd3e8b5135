package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationController;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A VM that asks to be auto-registered and gets no entry is never silent: the server logs the reason,
 * counts it by reason, and shows it (in the stream's syncz row, or on refusedz when the refusal closed
 * the stream); the VM's stream is closed with the reason when waiting cannot fix it. A registered VM's
 * syncz row names its entry.
 */
class EveryRefusalToRegisterIsVisibleTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web, namespace: ns1}
      spec:
        template: {serviceAccount: vm, ports: {http: 8080}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web-10.0.0.7, namespace: ns1}
      spec: {address: 10.0.0.7, serviceAccount: payments}
      """;

  @TempDir
  Path tmp;

  TlsServer s;
  String token;
  ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void setUp() throws Exception {
    s = new TlsServer(tmp, MESH);
    token = s.token("ns1", "vm", false);
    log.start();
    ((Logger) LoggerFactory.getLogger(AutoRegistrationController.class)).addAppender(log);
  }

  @AfterEach
  void tearDown() {
    ((Logger) LoggerFactory.getLogger(AutoRegistrationController.class)).detachAppender(log);
    s.close();
  }

  private TlsServer.Stream vm(String ip, String group) {
    return s.cds(token, TlsServer.node("sidecar~" + ip + "~vm.ns1~ns1.svc.cluster.local",
        Map.of("INSTANCE_IPS", ip, "AUTO_REGISTER_GROUP", group)));
  }

  private static Status refusal(TlsServer.Stream stream) {
    await().atMost(Duration.ofSeconds(10)).until(() -> stream.error != null);
    return Status.fromThrowable(stream.error);
  }

  private String get(String path) throws Exception {
    return s.http("GET", path, null).body();
  }

  @Test
  void anInvalidAddressIsRefusedWithTheReasonOnTheStreamInTheLogInTheMetricsAndOnRefusedz() throws Exception {
    Status st = refusal(vm("300.1.1.1", "web"));
    assertThat(st.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(st.getDescription()).contains("auto-registration refused: INSTANCE_IPS has \"300.1.1.1\", which is not "
        + "an IP address").contains("INSTANCE_IP");
    assertThat(log.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("event=autoregistration_refused")
        .contains("reason=invalid_address").contains("stream=closed").contains("300.1.1.1"));
    assertThat(get("/metrics")).contains("vmesh_autoregistration_refusals_total{reason=\"invalid_address\"} 1.0");
    assertThat(get("/debug/refusedz")).contains("sidecar~300.1.1.1~vm.ns1~ns1.svc.cluster.local")
        .contains("\"status\" : \"INVALID_ARGUMENT\"")
        .contains("auto-registration refused: INSTANCE_IPS has \\\"300.1.1.1\\\"");
  }

  @Test
  void aTakenNameIsRefusedAndCounted() throws Exception {
    Status st = refusal(vm("10.0.0.7", "web"));
    assertThat(st.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(get("/metrics")).contains("vmesh_autoregistration_refusals_total{reason=\"name_taken\"} 1.0");
  }

  @Test
  void aMissingGroupKeepsTheStreamAndSyncsShowsWhyThereIsNoEntryYet() throws Exception {
    TlsServer.Stream waiting = vm("10.0.0.9", "later");
    waiting.next();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get("/debug/syncz"))
        .contains("\"state\" : \"refused\"")
        .contains("no_group: no WorkloadGroup ns1/later yet"));
    assertThat(get("/metrics")).contains("vmesh_autoregistration_refusals_total{reason=\"no_group\"} 1.0");
  }

  @Test
  void aRegisteredVmsRowNamesItsEntry() throws Exception {
    vm("10.0.0.8", "web").next();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get("/debug/syncz"))
        .contains("\"workloadEntry\" : \"web-10.0.0.8\"").contains("\"state\" : \"registered\""));
    assertThat(get("/metrics")).contains("vmesh_autoregistrations_total 1.0");
  }
}

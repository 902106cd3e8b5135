package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Python (grpcio) and a Node.js (grpc-js) app on a VM, each given nothing but the bootstrap file the
 * vmesh agent wrote: their xDS streams go through the agent's unix socket, they accept the cluster's
 * mutual-TLS settings (certificate provider {@code default}, the endpoint's SPIFFE id as the accepted
 * name), and their calls reach the VM's backend over mTLS with the VM's certificate. grpc-java does the
 * same in {@link ProxylessAppOnAVmTest}.
 */
class GrpcioAndGrpcJsAppsOnAVmUseMutualTlsTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(XdsClientProgram.Kind.class)
  void anAppWithTheAgentsBootstrapCallsOverMutualTls(XdsClientProgram.Kind kind) throws Exception {
    XdsClientProgram.install(kind);
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
        EchoVm vm = EchoVm.start(server, tmp);
        XdsClientProgram app = XdsClientProgram.start(kind, "xds:///" + EchoVm.HOST_PORT, vm.grpcBootstrap(), true,
            tmp)) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        var r = app.round(5);
        assertThat(r.failed()).as("failed calls (first: " + r.firstError() + "); app log:\n" + app.log()).isZero();
        assertThat(r.answers()).containsOnlyKeys(EchoVm.IDENTITY); // the backend saw the VM's certificate
      });
      // the app's stream (through the agent) took the mTLS cluster without a NACK
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> GrpcioAndGrpcJsClientsFollowTheRegistryTest
          .assertInSyncWithoutNacks(server, s -> s.proxy().proxyless()));
      assertThat(server.xds().syncStatus()).filteredOn(s -> s.proxy().proxyless()).hasSize(1);
    }
  }
}

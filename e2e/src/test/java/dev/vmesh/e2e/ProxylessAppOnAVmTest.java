package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.xds.XdsChannelCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM as a user would run it: onboarding files from the CLI, the agent (in this JVM), and a
 * proxyless gRPC app that knows only the agent's bootstrap file. The app's xDS stream goes over the
 * agent's unix socket and mTLS connection; its calls to the mesh service go to the VM's own
 * registered endpoint with mTLS from the agent's certificate files, and the backend sees the VM's
 * SPIFFE id. The agent's readiness, status and metrics pages say what happened.
 */
class ProxylessAppOnAVmTest {
  @TempDir
  Path tmp;

  @Test
  void anAppWithTheAgentsBootstrapReachesTheMeshWithTheVmsIdentity() throws Exception {
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
        EchoVm vm = EchoVm.start(server, tmp)) {
      ManagedChannel app = null;
      try {
        // The app: nothing but the bootstrap file the agent wrote.
        System.setProperty("io.grpc.xds.bootstrap", vm.grpcBootstrap().toString());
        assertThat(Files.readString(vm.grpcBootstrap())).contains("unix://" + vm.config.paths().xdsSocket())
            .doesNotContain("AUTO_REGISTER_GROUP");
        app = Grpc.newChannelBuilder("xds:///" + EchoVm.HOST_PORT,
            XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
        ManagedChannel ch = app;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Backends.who(ch) != null);
        assertThat(Backends.who(app)).isEqualTo(EchoVm.IDENTITY);

        assertThat(EchoVm.get(vm.statusUrl() + "/debug/status").body()).contains("\"ready\" : true",
            EchoVm.IDENTITY, "\"connected\" : true");
        assertThat(EchoVm.get(vm.statusUrl() + "/metrics").body()).contains("vmesh_agent_xds_connected 1.0",
            "vmesh_agent_local_xds_streams 1.0", "vmesh_agent_certificate_expiry_seconds");
        // The server sees two streams from this VM: the agent's (registering it) and the app's.
        assertThat(server.store().get(new ResourceKey(Kind.WORKLOAD_ENTRY, "vm",
            "echo-127.0.0.2"))).isPresent();

        // Envoy's bootstrap is a valid Bootstrap pointing at the same socket for ADS and SDS.
        Bootstrap.Builder envoy = Bootstrap.newBuilder();
        JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
            .add(HttpProtocolOptions.getDescriptor())
            .add(HttpConnectionManager
                .getDescriptor())
            .add(Router.getDescriptor()).build())
            .merge(Files.readString(vm.config.paths().envoyBootstrap()), envoy);
        assertThat(envoy.getStaticResources().getClustersList()).extracting(c -> c.getName())
            .containsExactly("xds-grpc", "sds-grpc", "prometheus_stats");
        assertThat(envoy.getStaticResources().getClusters(1).getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
            .getEndpoint().getAddress().getPipe().getPath()).isEqualTo(vm.config.paths().xdsSocket().toString());
        assertThat(envoy.getNode().getMetadata().getFieldsMap()).doesNotContainKey("AUTO_REGISTER_GROUP");
      } finally {
        System.clearProperty("io.grpc.xds.bootstrap");
        if (app != null) {
          app.shutdownNow();
        }
      }
    }
  }
}

package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxyless gRPC server on a VM: grpc-java's {@code XdsServerBuilder} with nothing but the bootstrap the
 * agent wrote ({@code server_listener_resource_name_template}, the {@code file_watcher} provider on the
 * agent's certificate files) takes its transport security from PeerAuthentication, pushed while it runs.
 * A grpc-java xDS client elsewhere in the mesh (its own identity from vmesh's CA) calls it through
 * {@code xds:///}; a plain-text client calls its address directly.
 *
 * <ul>
 *   <li>No policy (PERMISSIVE) and an endpoint with {@code tlsMode: istio}: mesh clients send mTLS, so the
 *       server takes mTLS (a gRPC server cannot detect TLS): the mesh call passes and the server sees the
 *       caller's SPIFFE id; the plain-text client is refused.
 *   <li>DISABLE: the server takes plain text, and the mesh client's cluster stops originating TLS: both pass.
 *   <li>STRICT: mTLS again; plain text is refused; a client whose certificate the mesh's roots issued but
 *       for another trust domain completes its handshake and is refused each call (PERMISSION_DENIED: the
 *       listener's RBAC filter takes callers of the mesh's trust domain only).
 * </ul>
 */
class XdsServerOnAVmFollowsPeerAuthenticationTest {
  static final String CLIENT = "spiffe://cluster.local/ns/vm/sa/client";

  @TempDir
  Path tmp;

  @Test
  void theServersTransportFollowsPeerAuthenticationAndItSeesTheCallersIdentity() throws Exception {
    List<String> serving = new CopyOnWriteArrayList<>();
    EchoVm.Backend xdsServer = (config, port) -> {
      // the app's whole xDS setup: the agent's bootstrap file, as GRPC_XDS_BOOTSTRAP would name it (given
      // as an override: this JVM's default bootstrap is the mesh client's, below)
      Server s = XdsServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", port),
              XdsServerCredentials.create(InsecureServerCredentials.create()))
          .overrideBootstrapForTest(json(Files.readString(config.paths().grpcBootstrap())))
          .xdsServingStatusListener(new XdsServerBuilder.XdsServingStatusListener() {
            @Override
            public void onServing() {
              serving.add("serving");
            }

            @Override
            public void onNotServing(Throwable t) {
              serving.add("not serving: " + t);
            }
          })
          .addService(ProxylessMutualTlsTest.whoCalled()).build();
      // start() returns once the server's listener arrived
      CompletableFuture.runAsync(() -> {
        try {
          s.start();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).get(60, TimeUnit.SECONDS);
      return s::shutdownNow;
    };
    passesMtlsAndPlainTextAsPeerAuthenticationSays(tmp, xdsServer);
    assertThat(serving).as("the server got its listener").contains("serving");
  }

  /**
   * The scenario for any xDS-enabled gRPC server {@code app} on the VM that answers who called
   * ({@link ProxylessMutualTlsTest#whoCalled}'s answers).
   */
  static void passesMtlsAndPlainTextAsPeerAuthenticationSays(Path tmp, EchoVm.Backend app) throws Exception {
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
        EchoVm vm = EchoVm.start(server, tmp, app)) {
      assertThat(Files.readString(vm.grpcBootstrap())).contains("xds.istio.io/grpc/lds/inbound/%s");
      int port = vm.appPort;
      CertManager clientId = ProxylessMutualTlsTest.identity(server, tmp, "vm", "client");
      System.setProperty("io.grpc.xds.bootstrapConfig", clientBootstrap(server, clientId));
      ManagedChannel mesh = Grpc.newChannelBuilder("xds:///" + EchoVm.HOST_PORT,
          XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
      ManagedChannel foreign = null;
      try {
        // PERMISSIVE, endpoint tlsMode istio: mTLS, and the server sees who called
        awaitAnswer(mesh, CLIENT, vm);
        assertPlainTextRefused(port);

        // DISABLE: plain text on both sides
        apply(tmp, server, "DISABLE");
        awaitAnswer(mesh, ProxylessMutualTlsTest.PLAINTEXT, vm);
        assertThat(plainText(port)).isEqualTo(ProxylessMutualTlsTest.PLAINTEXT);

        // STRICT: mTLS only
        apply(tmp, server, "STRICT");
        awaitAnswer(mesh, CLIENT, vm);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertPlainTextRefused(port));

        // a certificate from the mesh's roots naming another trust domain: its handshake passes, its calls don't
        foreign = foreignClient(tmp, server);
        ManagedChannel other = foreign;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
            assertThatThrownBy(() -> Backends.who(other)).isInstanceOf(StatusRuntimeException.class)
                .hasMessageContaining("PERMISSION_DENIED"));
        awaitAnswer(mesh, CLIENT, vm);
      } finally {
        if (foreign != null) {
          foreign.shutdownNow();
        }
        mesh.shutdownNow();
        clientId.close();
        System.clearProperty("io.grpc.xds.bootstrapConfig");
      }
    }
  }

  /**
   * An xDS client whose certificate, issued by the mesh's CA (read from the server's data directory, as no
   * VM could), names {@value #FOREIGN}: a caller from another trust domain. Its own resolver scheme, so its
   * bootstrap is not the JVM's.
   */
  private static ManagedChannel foreignClient(Path tmp, VmeshServer server) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("foreign"));
    CertificateAuthority ca = CertificateAuthority.load(tmp.resolve("data/ca"), Clock.systemUTC());
    KeyPair key = KeyPairs.ecP256();
    Files.writeString(dir.resolve("cert-chain.pem"), Pem.certificates(ca.issue(key.getPublic(),
        new CertificateAuthority.LeafSpec(List.of(FOREIGN), List.of(), List.of(), Duration.ofHours(1)))));
    Files.writeString(dir.resolve("key.pem"), Pem.privateKey(key.getPrivate()));
    Files.copy(tmp.resolve("data/ca/root-cert.pem"), dir.resolve("root-cert.pem"));
    String bootstrap = clientBootstrap(server, "127.0.0.4", dir.resolve("cert-chain.pem"), dir.resolve("key.pem"),
        dir.resolve("root-cert.pem"));
    String scheme = "foreign" + Long.toHexString(System.nanoTime());
    NameResolverRegistry.getDefaultRegistry().register(XdsNameResolverProvider.createForTest(scheme, json(bootstrap)));
    return Grpc.newChannelBuilder(scheme + ":///" + EchoVm.HOST_PORT,
        XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
  }

  static final String FOREIGN = "spiffe://other.example/ns/vm/sa/client";

  /** The mesh client's bootstrap: the server's plaintext xDS port, its own node and certificate files. */
  private static String clientBootstrap(VmeshServer server, CertManager id) {
    return clientBootstrap(server, "127.0.0.3", id.certChain(), id.key(), id.rootCert());
  }

  private static String clientBootstrap(VmeshServer server, String ip, Path chain, Path key, Path root) {
    return """
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                          "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~%s~client.vm~vm.svc.cluster.local",
                  "metadata": {"NAMESPACE": "vm", "GENERATOR": "grpc"}},
         "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
             "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
             "refresh_interval": "1s"}}}}
        """.formatted(server.xdsPort(0), ip, chain, key, root);
  }

  /** A JSON object as the maps, lists, strings, doubles and booleans gRPC reads bootstraps into. */
  static Map<String, ?> json(String text) throws InvalidProtocolBufferException {
    Struct.Builder s = Struct.newBuilder();
    JsonFormat.parser().merge(text, s);
    return plain(s.build());
  }

  private static Map<String, Object> plain(Struct s) {
    Map<String, Object> out = new LinkedHashMap<>();
    s.getFieldsMap().forEach((k, v) -> out.put(k, plain(v)));
    return out;
  }

  private static Object plain(Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> plain(v.getStructValue());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(x -> plain(x)).toList();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRING_VALUE -> v.getStringValue();
      default -> null;
    };
  }

  private static void apply(Path tmp, VmeshServer server, String mode) throws Exception {
    Path pa = tmp.resolve("pa-" + mode + ".yaml");
    Files.writeString(pa, """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: echo, namespace: vm}
        spec:
          selector: {matchLabels: {app: echo}}
          mtls: {mode: %s}
        """.formatted(mode));
    Cli c = Cli.run("apply", "-f", pa.toString(), "--server", "http://127.0.0.1:" + server.httpAddress().getPort(),
        "--token", server.adminToken());
    assertThat(c.exit()).as(c.err()).isZero();
  }

  private static void awaitAnswer(ManagedChannel mesh, String expected, EchoVm vm) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
        try {
          last[0] = Backends.who(mesh);
        } catch (StatusRuntimeException e) {
          last[0] = e.toString();
        }
        return last[0].equals(expected);
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the mesh client got " + last[0] + ", not " + expected + "; agent status: "
          + status(vm), e);
    }
  }

  private static String status(EchoVm vm) {
    try {
      return EchoVm.get(vm.statusUrl() + "/debug/status").body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** What a plain-text call straight to the server's address gets (on a connection of its own). */
  private static String plainText(int port) {
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.2", port, InsecureChannelCredentials.create())
        .build();
    try {
      return ClientCalls.blockingUnaryCall(ch, Backends.WHO, CallOptions.DEFAULT.withDeadlineAfter(5,
          TimeUnit.SECONDS), "");
    } finally {
      ch.shutdownNow();
    }
  }

  private static void assertPlainTextRefused(int port) {
    assertThatThrownBy(() -> plainText(port)).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("UNAVAILABLE");
  }
}

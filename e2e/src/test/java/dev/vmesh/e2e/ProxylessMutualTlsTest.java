package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.agent.identity.GrpcCaClient;
import dev.vmesh.api.time.Timer;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.pki.Pem;
import dev.vmesh.pki.SpiffeId;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsChannelCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxyless grpc-java client and a gRPC server, each with a certificate the agent's certificate
 * manager got from vmesh's CA with a bootstrap token: the client's cluster carries TLS settings that
 * point at its bootstrap's file_watcher provider (the manager's files), the server requires a client
 * certificate from the mesh, and sees the client's SPIFFE id. A client with a certificate from another
 * CA is refused.
 */
class ProxylessMutualTlsTest {
  @TempDir
  Path tmp;

  static final Context.Key<String> PEER = Context.key("peer");

  /** What {@link #whoCalled} answers a call that came without TLS. */
  static final String PLAINTEXT = "plaintext";

  /** The backend answers with the SPIFFE id of whoever called it, or {@value #PLAINTEXT}. */
  static ServerServiceDefinition whoCalled() {
    ServerServiceDefinition svc = ServerServiceDefinition.builder("vmesh.test.Echo")
        .addMethod(Backends.WHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(PEER.get());
          out.onCompleted();
        })).build();
    ServerInterceptor peer = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String id = PLAINTEXT;
        SSLSession s = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (s != null) {
          try {
            var leaf = (X509Certificate) s.getPeerCertificates()[0];
            id = String.valueOf(leaf.getSubjectAlternativeNames().iterator().next().get(1));
          } catch (Exception e) {
            id = "error: " + e;
          }
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, id), call, headers, next);
      }
    };
    return ServerInterceptors.intercept(svc, peer);
  }

  /**
   * A certificate manager for {@code namespace}/{@code sa} with files under {@code dir}, its first
   * certificate issued by {@code server}'s CA (whose data directory is {@code dir/data}) for a token.
   */
  static CertManager identity(VmeshServer server, Path dir, String namespace, String sa) throws Exception {
    Cli c = Cli.run("token", "create", "-n", namespace, "-s", sa, "--single-use", "--server", "http://127.0.0.1:"
        + server.httpAddress().getPort(), "--token", server.adminToken());
    assertThat(c.exit()).as(c.err()).isZero();
    Path tokenFile = dir.resolve(sa + ".token");
    Files.writeString(tokenFile, c.out().trim());
    Path bundle = dir.resolve("data/ca/root-cert.pem");
    var scheduler = Executors.newSingleThreadScheduledExecutor();
    CertManager m = new CertManager(CertManager.Options.defaults(dir.resolve(sa), new SpiffeId("cluster.local",
        namespace, sa), tokenFile, bundle), new GrpcCaClient("127.0.0.1:" + server.xdsPort(1),
        "istiod.istio-system.svc", bundle), Clock.systemUTC(), Timer.of(scheduler), new Random());
    m.start();
    m.firstCertificate().get(30, TimeUnit.SECONDS);
    return m;
  }

  @Test
  void mutualTlsBetweenMeshIdentitiesAndNoOneElse() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("svc.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: secure, namespace: ns1}
        spec:
          hosts: [secure.internal.com]
          location: MESH_INTERNAL
          ports: [{number: 80, name: grpc, protocol: GRPC}]
          resolution: STATIC
          workloadSelector: {labels: {app: secure}}
        """);
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      CertManager backendId = identity(server, tmp, "ns1", "backend");
      CertManager clientId = identity(server, tmp, "ns1", "client");

      Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", 0),
          TlsServerCredentials.newBuilder().keyManager(backendId.certChain().toFile(), backendId.key().toFile())
              .trustManager(backendId.rootCert().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
          .addService(whoCalled()).build().start();
      ManagedChannel channel = null;
      try {
        server.store().create(Resource.of(ObjectMeta.of("ns1", "backend-vm").withLabels(Map.of("app", "secure")),
            new WorkloadEntrySpec("127.0.0.2", Map.of("grpc", Backends.port(backend)), Map.of(), "", "", 0,
                "backend")));
        System.setProperty("io.grpc.xds.bootstrapConfig", """
            {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                              "server_features": ["xds_v3"]}],
             "node": {"id": "sidecar~127.0.0.1~client.ns1~ns1.svc.cluster.local",
                      "metadata": {"NAMESPACE": "ns1", "GENERATOR": "grpc"}},
             "certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
                 "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
                 "refresh_interval": "1s"}}}}
            """.formatted(server.xdsPort(0), clientId.certChain(), clientId.key(), clientId.rootCert()));
        channel = Grpc.newChannelBuilder("xds:///secure.internal.com:80",
            XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
        ManagedChannel ch = channel;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Backends.who(ch) != null);
        assertThat(Backends.who(channel)).isEqualTo("spiffe://cluster.local/ns/ns1/sa/client");

        // a client whose certificate comes from another CA is turned away by the backend
        CertificateAuthority other = CertificateAuthority.loadOrCreate(tmp.resolve("other-ca"), "cluster.local",
            Clock.systemUTC());
        KeyPair kp = KeyPairs.ecP256();
        List<X509Certificate> foreign = other.issue(kp.getPublic(), new CertificateAuthority.LeafSpec(
            List.of("spiffe://cluster.local/ns/ns1/sa/client"), List.of(), List.of(), Duration.ofHours(1)));
        Files.writeString(tmp.resolve("foreign.pem"), Pem.certificates(foreign));
        Files.writeString(tmp.resolve("foreign-key.pem"), Pem.privateKey(kp.getPrivate()));
        ManagedChannel rogue = Grpc.newChannelBuilderForAddress("127.0.0.2", Backends.port(backend),
            TlsChannelCredentials.newBuilder().keyManager(tmp.resolve("foreign.pem").toFile(),
                tmp.resolve("foreign-key.pem").toFile()).trustManager(backendId.rootCert().toFile()).build())
            .overrideAuthority("secure.internal.com").build();
        try {
          assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(rogue, Backends.WHO,
              CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), ""))
              .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("UNAVAILABLE");
        } finally {
          rogue.shutdownNow();
        }
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
        backend.shutdownNow();
        backendId.close();
        clientId.close();
        System.clearProperty("io.grpc.xds.bootstrapConfig");
      }
    }
  }
}

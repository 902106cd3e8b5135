package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDS serves from the agent's start: Envoy's request for its secrets before there is a certificate is
 * answered once the certificate is there, and a stream is sent the secrets again only when the files
 * changed (each push makes Envoy rebuild every TLS context that names them).
 */
class SecretsWaitForTheCertificateTest {
  @TempDir
  Path tmp;
  Server server;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void theFirstAnswerWaitsForTheCertificateAndRepeatsOnlyForNewFiles() throws Exception {
    Path chain = tmp.resolve("cert-chain.pem");
    Path key = tmp.resolve("key.pem");
    Path roots = tmp.resolve("root-cert.pem");
    SdsService sds = new SdsService(chain, key, roots);
    String name = "sds-" + System.nanoTime();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(sds).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();

    LocalXdsProxyTest.Received<DiscoveryResponse> got = new LocalXdsProxyTest.Received<>();
    SecretDiscoveryServiceGrpc.newStub(channel).streamSecrets(got)
        .onNext(DiscoveryRequest.newBuilder().addResourceNames("default").addResourceNames("ROOTCA").build());
    // no certificate yet: the request waits (the files are not there, and a renewal signal does not count)
    sds.certificatesChanged();
    assertThat(got.items).isEmpty();
    assertThat(got.error.get()).isNull();
    assertThat(sds.isAvailable()).isFalse();

    Files.writeString(chain, "CHAIN");
    Files.writeString(key, "KEY");
    Files.writeString(roots, "ROOT");
    sds.certificatesAvailable();
    await().until(() -> got.items.size() == 1);
    assertThat(got.items.get(0).getResources(0).unpack(Secret.class).getTlsCertificate().getCertificateChain()
        .getInlineBytes().toStringUtf8()).isEqualTo("CHAIN");

    // the same files again (the first certificate is announced twice): nothing is sent; new files are
    sds.certificatesChanged();
    Files.writeString(chain, "CHAIN2");
    sds.certificatesChanged();
    await().until(() -> got.items.size() == 2);
    assertThat(got.items.get(1).getResources(0).unpack(Secret.class).getTlsCertificate().getCertificateChain()
        .getInlineBytes().toStringUtf8()).isEqualTo("CHAIN2");
    assertThat(got.items.get(1).getVersionInfo()).isNotEqualTo(got.items.get(0).getVersionInfo());
  }
}

package dev.vmesh.agent.identity;

import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GrpcCaClient} calls {@code IstioCertificateService/CreateCertificate} over TLS, trusting the
 * mesh roots from the onboarding files and checking the server's name. With certificate credentials it
 * presents them (mTLS); with a token it sends {@code authorization: Bearer}. A channel per call:
 * renewals are rare and the client certificate changes between them.
 */
public final class GrpcCaClient implements CaClient {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
      Metadata.ASCII_STRING_MARSHALLER);

  private final String target;
  private final String serverName;
  private final Path trustBundle;

  /** {@code target} is host:port; {@code serverName} the name in the server's certificate. */
  public GrpcCaClient(String target, String serverName, Path trustBundle) {
    this.target = target;
    this.serverName = serverName;
    this.trustBundle = trustBundle;
  }

  @Override
  public List<String> createCertificate(String csrPem, Duration ttl, Credentials credentials) throws Exception {
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(trustBundle.toFile());
    if (credentials.isCertificate()) {
      tls.keyManager(credentials.certChain().toFile(), credentials.key().toFile());
    }
    ManagedChannel channel = Grpc.newChannelBuilder(target, tls.build()).overrideAuthority(serverName).build();
    try {
      var stub = IstioCertificateServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      if (!credentials.isCertificate()) {
        stub = stub.withCallCredentials(bearer(credentials.bearerToken()));
      }
      return stub.createCertificate(IstioCertificateRequest.newBuilder().setCsr(csrPem)
          .setValidityDuration(ttl.toSeconds()).build()).getCertChainList();
    } finally {
      channel.shutdownNow();
    }
  }

  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(AUTHORIZATION, "Bearer " + token);
        applier.apply(m);
      }
    };
  }
}

package dev.vmesh.agent.identity;

import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CertificateWarmup} does, on a spare core while the agent's command line and onboarding files are
 * read, the one-time work of the JDK and of gRPC that the first certificate request would otherwise do on
 * the critical path: the EC provider and P-256's precomputed tables (the first key costs about 0.1 s of
 * them, the next one a millisecond), ECDSA signing (the CSR), a TLS client hello (cipher suites, key shares),
 * a TLS gRPC channel built and dropped unconnected, and the CA's request message. It touches no file and
 * opens no connection: the channel is never used, and {@code .invalid} names never resolve.
 */
public final class CertificateWarmup {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateWarmup.class);

  private CertificateWarmup() {}

  /** Starts the warm-up on a daemon thread; a failure is logged at debug level and otherwise ignored. */
  public static Thread start() {
    return Thread.ofPlatform().daemon().name("agent-warmup").start(() -> {
      try {
        run();
      } catch (Exception | LinkageError e) {
        LOG.debug("event=warmup_failed error=\"{}\"", e.toString());
      }
    });
  }

  /** The warm-up itself, on the calling thread. */
  static void run() throws GeneralSecurityException, IOException {
    String csr = Csrs.create(KeyPairs.ecP256(), "spiffe://warmup.invalid/ns/warmup/sa/warmup");
    IstioCertificateRequest.newBuilder().setCsr(csr).setValidityDuration(1).build().toByteArray();
    TrustManager[] trustNothing = {new TrustNothing()};
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trustNothing, null);
    SSLEngine engine = tls.createSSLEngine("warmup.invalid", 443);
    engine.setUseClientMode(true);
    engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
    ManagedChannel channel = Grpc.newChannelBuilder("warmup.invalid:443",
        TlsChannelCredentials.newBuilder().trustManager(trustNothing).build()).build();
    channel.shutdownNow();
  }

  /** Trusts no server and no client: the warm-up never completes a handshake. */
  private static final class TrustNothing implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("warm-up only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("warm-up only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}

package dev.vmesh.agent.xds;

import dev.vmesh.pki.Pem;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Upstream} holds the agent's mTLS channels to the server, one per discovery address, and which
 * of them is in use. The agent's own stream and every stream the local xDS proxy forwards share the
 * current channel (one TLS connection, many HTTP/2 streams). When a stream to the current address
 * fails, {@link #failover} moves to the next address. The client certificate is swapped in place when
 * the certificate manager renews it, so new handshakes use the new certificate without new channels.
 */
public final class Upstream implements Channels, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);

  private final List<String> addresses;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final Path certChain;
  private final Path key;
  private volatile int current;

  /**
   * @param addresses host:port of each server, tried in order
   * @param serverName the name the server's certificate must carry, or empty for each address's host
   * @param trustBundle the mesh root certificates
   */
  public Upstream(List<String> addresses, String serverName, Path trustBundle, Path certChain, Path key)
      throws IOException {
    this.addresses = List.copyOf(addresses);
    this.certChain = certChain;
    this.key = key;
    reloadCertificate();
    ChannelCredentials creds = TlsChannelCredentials.newBuilder().keyManager(keys)
        .trustManager(trustBundle.toFile()).build();
    for (String a : addresses) {
      var b = Grpc.newChannelBuilder(a, creds).keepAliveTime(30, TimeUnit.SECONDS)
          .keepAliveTimeout(10, TimeUnit.SECONDS).maxInboundMessageSize(64 << 20);
      if (!serverName.isEmpty()) {
        b.overrideAuthority(serverName);
      }
      channels.add(b.build());
    }
  }

  /** Reads the certificate files again (after a renewal). */
  public void reloadCertificate() throws IOException {
    try {
      List<X509Certificate> chain = Pem.parseCertificates(Files.readString(certChain));
      keys.updateIdentityCredentials(chain.toArray(X509Certificate[]::new), Pem.parsePrivateKey(Files.readString(key)));
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot load " + certChain + " and " + key + ": " + e.getMessage(), e);
    }
  }

  @Override
  public ManagedChannel channel() {
    return channels.get(current);
  }

  @Override
  public String address() {
    return addresses.get(current);
  }

  /**
   * Moves to the next address if {@code failed} is still the one in use (several streams may report
   * the same failure; only the first moves on). Returns the address now in use.
   */
  @Override
  public synchronized String failover(ManagedChannel failed) {
    if (channels.size() > 1 && channels.get(current) == failed) {
      current = (current + 1) % channels.size();
      LOG.info("event=xds_failover from={} to={}", addresses.get((current + channels.size() - 1) % channels.size()),
          addresses.get(current));
    }
    return addresses.get(current);
  }

  /** Whether the channel in use has a ready connection. */
  public boolean isReady() {
    return channel().getState(false) == ConnectivityState.READY;
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdown();
    }
    for (ManagedChannel c : channels) {
      try {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
  }
}

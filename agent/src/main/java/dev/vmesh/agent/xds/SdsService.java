package dev.vmesh.agent.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SdsService} gives the VM's Envoy the mesh certificates the agent keeps: secret {@code default}
 * (certificate chain and key) and {@code ROOTCA} (the roots), the names the server's clusters ask for.
 * Every stream gets the new secrets when the certificate manager renews them. It is served on the
 * agent's local socket only: whoever can reach it can read the VM's private key.
 *
 * <p>It serves from the agent's start, before there is a certificate: a request that comes earlier is
 * answered once {@link #certificatesAvailable} is called (Envoy waits for its secrets as long as it
 * takes, and builds the rest of its config meanwhile). A stream is sent the secrets again only when
 * the files changed, so Envoy does not rebuild its TLS contexts for nothing.
 */
public final class SdsService extends SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(SdsService.class);
  static final String TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  public static final String DEFAULT = "default";
  public static final String ROOTCA = "ROOTCA";

  private final Path certChain;
  private final Path key;
  private final Path roots;
  private final AtomicLong version = new AtomicLong();
  private final List<Stream> streams = new CopyOnWriteArrayList<>();
  private volatile boolean available;

  public SdsService(Path certChain, Path key, Path roots) {
    this.certChain = certChain;
    this.key = key;
    this.roots = roots;
  }

  /** The certificate files are there and valid: answers the streams that wait for them. */
  public void certificatesAvailable() {
    available = true;
    certificatesChanged();
  }

  /** Pushes the current files to every stream whose secrets they change (call after a renewal). */
  public void certificatesChanged() {
    for (Stream s : streams) {
      s.push();
    }
  }

  /** Whether the secrets are being served (the certificate is there). */
  public boolean isAvailable() {
    return available;
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamSecrets(StreamObserver<DiscoveryResponse> out) {
    Stream s = new Stream(out);
    streams.add(s);
    return s;
  }

  private final class Stream implements StreamObserver<DiscoveryRequest> {
    private final StreamObserver<DiscoveryResponse> out;
    private final Set<String> names = new LinkedHashSet<>();
    private List<Secret> sent = List.of();
    private long nonce;

    Stream(StreamObserver<DiscoveryResponse> out) {
      this.out = out;
    }

    @Override
    public synchronized void onNext(DiscoveryRequest r) {
      if (r.hasErrorDetail()) {
        LOG.warn("event=sds_nack names={} error=\"{}\"", r.getResourceNamesList(), r.getErrorDetail().getMessage());
      }
      Set<String> asked = new LinkedHashSet<>(r.getResourceNamesList());
      if (asked.equals(names) && !r.getResponseNonce().isEmpty()) {
        return; // an ACK or NACK of what we sent
      }
      for (String n : asked) {
        if (!n.equals(DEFAULT) && !n.equals(ROOTCA)) {
          out.onError(Status.NOT_FOUND.withDescription("unknown secret \"" + n + "\"; this agent serves "
              + DEFAULT + " and " + ROOTCA).asRuntimeException());
          streams.remove(this);
          return;
        }
      }
      names.clear();
      names.addAll(asked);
      sent = List.of();
      push();
    }

    synchronized void push() {
      if (names.isEmpty() || !available) {
        return;
      }
      List<Secret> secrets = new ArrayList<>();
      try {
        for (String n : names) {
          secrets.add(secret(n));
        }
      } catch (IOException e) {
        LOG.warn("event=sds_files_unreadable error=\"{}\"", e.toString());
        return; // the next renewal pushes again
      }
      if (secrets.equals(sent)) {
        return;
      }
      sent = secrets;
      DiscoveryResponse.Builder resp = DiscoveryResponse.newBuilder().setTypeUrl(TYPE)
          .setVersionInfo(Long.toString(version.incrementAndGet())).setNonce(Long.toString(++nonce));
      secrets.forEach(x -> resp.addResources(Any.pack(x)));
      out.onNext(resp.build());
    }

    @Override
    public void onError(Throwable t) {
      streams.remove(this);
    }

    @Override
    public void onCompleted() {
      streams.remove(this);
      out.onCompleted();
    }
  }

  Secret secret(String name) throws IOException {
    if (name.equals(ROOTCA)) {
      return Secret.newBuilder().setName(name).setValidationContext(CertificateValidationContext.newBuilder()
          .setTrustedCa(inline(roots))).build();
    }
    return Secret.newBuilder().setName(name).setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(inline(certChain)).setPrivateKey(inline(key))).build();
  }

  private static DataSource inline(Path file) throws IOException {
    return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(Files.readAllBytes(file))).build();
  }
}

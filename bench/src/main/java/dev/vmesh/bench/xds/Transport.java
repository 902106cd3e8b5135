package dev.vmesh.bench.xds;

import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.KeyPairs;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * {@code Transport} is how the harness's ADS streams reach the server: plaintext, or mutual TLS the way
 * agents connect, with a workload certificate issued by the server's own CA (created by the harness in
 * the server's data directory before it starts) for {@code spiffe://cluster.local/ns/vm/sa/default},
 * the identity the benchmark's WorkloadGroups expect, so the server's identity checks run as in
 * production.
 */
abstract sealed class Transport {
  /** The server's TLS certificate names include this one by default. */
  private static final String SERVER_NAME = "vmesh-server";

  abstract boolean tls();

  /** A channel builder to the server's xDS port on loopback, on {@code loop}, with direct callbacks. */
  abstract NettyChannelBuilder channel(int port, EventLoopGroup loop);

  static Transport plaintext() {
    return new Plaintext();
  }

  /** Creates the CA in {@code caDir} (the server's {@code <data-dir>/ca}) and a workload certificate from it. */
  static Transport mutualTls(Path caDir, String namespace, String serviceAccount) throws IOException {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir, "cluster.local", Clock.systemUTC());
    KeyPair key = KeyPairs.ecP256();
    List<X509Certificate> chain = ca.issue(key.getPublic(), new CertificateAuthority.LeafSpec(
        List.of("spiffe://cluster.local/ns/" + namespace + "/sa/" + serviceAccount), List.of(), List.of(),
        Duration.ofHours(24)));
    SslContext ssl = GrpcSslContexts.forClient().keyManager(key.getPrivate(), chain.toArray(X509Certificate[]::new))
        .trustManager(ca.roots().toArray(X509Certificate[]::new)).build();
    return new MutualTls(ssl);
  }

  private static NettyChannelBuilder base(int port, EventLoopGroup loop) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).eventLoopGroup(loop).channelType(NioSocketChannel.class)
        .directExecutor().maxInboundMessageSize(64 * 1024 * 1024);
  }

  private static final class Plaintext extends Transport {
    @Override
    boolean tls() {
      return false;
    }

    @Override
    NettyChannelBuilder channel(int port, EventLoopGroup loop) {
      return base(port, loop).negotiationType(NegotiationType.PLAINTEXT);
    }
  }

  private static final class MutualTls extends Transport {
    private final SslContext ssl;

    MutualTls(SslContext ssl) {
      this.ssl = ssl;
    }

    @Override
    boolean tls() {
      return true;
    }

    @Override
    NettyChannelBuilder channel(int port, EventLoopGroup loop) {
      return base(port, loop).sslContext(ssl).overrideAuthority(SERVER_NAME);
    }
  }
}

package dev.vmesh.controlplane;

import dev.vmesh.api.Listeners;
import dev.vmesh.ca.CaMetrics;
import dev.vmesh.ca.CaService;
import dev.vmesh.ca.PeerCredentials;
import dev.vmesh.xds.FastGzip;
import dev.vmesh.xds.XdsServer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GrpcListeners} are the server's gRPC ports: plaintext xDS on 15010 (development only: nobody
 * is authenticated there) and, on 15012, xDS and the CA over TLS, where every call is authenticated
 * before xDS or the CA sees it. Each port can be off.
 */
final class GrpcListeners implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcListeners.class);

  private final List<Server> servers;

  private GrpcListeners(List<Server> servers) {
    this.servers = servers;
  }

  static GrpcListeners start(ServerOptions o, XdsServer xds, ServerIdentity identity, PrometheusRegistry metrics,
      Clock clock) throws IOException {
    List<Server> servers = new ArrayList<>();
    try {
      if (o.xdsPlaintextAddress() != null) {
        LOG.warn("event=plaintext_xds_enabled address={} note=\"development only: no authentication\"",
            o.xdsPlaintextAddress());
        servers.add(start("plaintext xDS (15010)", o.xdsPlaintextAddress(), "--xds-plaintext-address",
            NettyServerBuilder.forAddress(o.xdsPlaintextAddress()), xds.service().bindService()));
      }
      if (o.xdsTlsAddress() != null) {
        var authedXds = ServerInterceptors.intercept(ServerInterceptors.intercept(xds.service(),
            new XdsAuthInterceptor(identity.authenticator(), xds)), PeerCredentials.interceptor());
        var ca = ServerInterceptors.intercept(new CaService(identity.ca(), identity.authenticator(),
            new CaMetrics(metrics)), PeerCredentials.interceptor());
        servers.add(start("xDS and the CA over TLS (15012)", o.xdsTlsAddress(), "--xds-address",
            NettyServerBuilder.forAddress(o.xdsTlsAddress(), identity.tlsCredentials(o, clock).build()),
            authedXds, ca));
      }
    } catch (IOException | RuntimeException e) {
      servers.forEach(Server::shutdownNow);
      throw e;
    }
    return new GrpcListeners(servers);
  }

  private static Server start(String what, InetSocketAddress address, String flag, NettyServerBuilder b,
      ServerServiceDefinition... services) throws IOException {
    for (var s : services) {
      b.addService(s);
    }
    Server server = b
        .compressorRegistry(FastGzip.registry()) // large xDS answers go gzipped to clients that take it
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .build();
    try {
      return server.start();
    } catch (IOException e) {
      throw Listeners.isBindFailure(e) ? Listeners.bindFailed(what, address, flag, flag + " off", e) : e;
    }
  }

  /** The port of the n-th listener (0: plaintext if enabled, then TLS). */
  int port(int n) {
    return ((InetSocketAddress) servers.get(n).getListenSockets().get(0)).getPort();
  }

  /** What the log says the server listens on. */
  List<String> describe() {
    return servers.stream().map(g -> g.getListenSockets().toString()).toList();
  }

  /** Stops accepting new calls; the open ones go on until {@link #close}. */
  void shutdown() {
    servers.forEach(Server::shutdown);
  }

  /** Waits up to 5 s per port for its calls to end, then cuts what is left. */
  @Override
  public void close() {
    for (Server g : servers) {
      g.shutdown();
      try {
        if (!g.awaitTermination(5, TimeUnit.SECONDS)) {
          g.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        g.shutdownNow();
      }
    }
  }
}

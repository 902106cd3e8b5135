package dev.vmesh.agent.xds;

import dev.vmesh.api.Listeners;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LocalXdsProxy} serves ADS on a unix socket (and optionally a loopback port) for the VM's
 * Envoy and proxyless gRPC apps, and forwards each of their streams as a stream of its own over the
 * agent's mTLS connection to the server. Local clients need no certificate; the server sees the VM's
 * identity. A forwarded node keeps its id and metadata, except that its namespace is the VM's and it
 * cannot register a WorkloadEntry (see {@link Nodes#forwarded}).
 *
 * <p>Each direction of a pipe asks for the next message only once the other side can take it, so a
 * slow local client slows its own upstream stream and nothing else, and nothing queues without bound.
 *
 * <p>The proxy can serve before the agent has a certificate and an upstream connection (so Envoy starts
 * with the agent): a stream opened before then is held, its first request unread, and forwarded once the
 * upstream is there.
 */
public final class LocalXdsProxy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalXdsProxy.class);

  private final CompletableFuture<? extends Channels> upstream;
  private final String namespace;
  private final List<Server> servers = new ArrayList<>();
  private final AtomicInteger openStreams = new AtomicInteger();
  private final AtomicInteger heldStreams = new AtomicInteger();
  private final AtomicLong forwarded = new AtomicLong();
  private EventLoopGroup udsGroup;
  private Path socket;

  private final List<BindableService> localServices = new ArrayList<>();

  public LocalXdsProxy(Channels upstream, String namespace) {
    this(CompletableFuture.completedFuture(upstream), namespace);
  }

  /** A proxy whose upstream comes later: streams opened before {@code upstream} completes wait for it. */
  public LocalXdsProxy(CompletableFuture<? extends Channels> upstream, String namespace) {
    this.upstream = upstream;
    this.namespace = namespace;
  }

  /** Serves {@code service} (SDS) on the same unix socket; call before {@link #start}. Never on loopback. */
  public LocalXdsProxy withLocalService(BindableService service) {
    localServices.add(service);
    return this;
  }

  /** Starts serving on {@code socketPath} (when not null; needs epoll) and {@code loopback} (when not null). */
  public void start(Path socketPath, InetSocketAddress loopback) throws IOException {
    ServerServiceDefinition service = service();
    if (socketPath != null) {
      if (!Epoll.isAvailable()) {
        throw new IOException("unix sockets need Linux epoll, which is unavailable here ("
            + Epoll.unavailabilityCause() + "); use a loopback port for the local xDS proxy instead");
      }
      Files.createDirectories(socketPath.getParent());
      Files.deleteIfExists(socketPath);
      udsGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vmesh-local-xds", true),
          EpollIoHandler.newFactory());
      var b = NettyServerBuilder.forAddress(new DomainSocketAddress(socketPath.toString()))
          .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(udsGroup).workerEventLoopGroup(udsGroup)
          .addService(service);
      localServices.forEach(b::addService);
      servers.add(b.build().start());
      socket = socketPath;
    }
    if (loopback != null) {
      if (!loopback.getAddress().isLoopbackAddress()) {
        throw new IOException("the local xDS proxy listens on loopback only, not " + loopback
            + ": it forwards with the VM's identity to anyone who connects");
      }
      try {
        servers.add(NettyServerBuilder.forAddress(loopback).addService(service).build().start());
      } catch (IOException e) {
        throw Listeners.isBindFailure(e) ? Listeners.bindFailed("local xDS", loopback, "--local-xds-address",
            "--local-xds-address off", e) : e;
      }
    }
  }

  /** The loopback port, or -1. */
  public int port() {
    for (Server s : servers) {
      for (var a : s.getListenSockets()) {
        if (a instanceof InetSocketAddress i) {
          return i.getPort();
        }
      }
    }
    return -1;
  }

  /** Streams open now (held ones included), and messages forwarded in both directions since start. */
  public int openStreams() {
    return openStreams.get();
  }

  /** Local streams waiting for the upstream connection. */
  public int heldStreams() {
    return heldStreams.get();
  }

  public long forwardedMessages() {
    return forwarded.get();
  }

  @Override
  public void close() {
    for (Server s : servers) {
      s.shutdown();
    }
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(5, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
    if (udsGroup != null) {
      udsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (socket != null) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // the directory is the service's runtime directory; systemd removes it
      }
    }
  }

  /**
   * Responses pass through as the server's bytes: the agent never decodes a 1.5 MB CDS answer only to
   * encode it again for Envoy (the server already checked what it sends, Envoy checks what it gets).
   * Requests are decoded: the node of the first one is rewritten ({@link Nodes#forwarded}).
   */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read a response: " + e.getMessage()).withCause(e)
            .asRuntimeException();
      }
    }
  };

  static final MethodDescriptor<DiscoveryRequest, byte[]> SOTW = raw(
      AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod());
  static final MethodDescriptor<DeltaDiscoveryRequest, byte[]> DELTA = raw(
      AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod());

  private static <Q, R> MethodDescriptor<Q, byte[]> raw(MethodDescriptor<Q, R> typed) {
    return typed.toBuilder(typed.getRequestMarshaller(), BYTES).build();
  }

  /** ADS, both flavours, each local stream piped to a stream of its own upstream. */
  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
        .addMethod(SOTW, ServerCalls.asyncBidiStreamingCall(down -> new Pipe<>(
            (ServerCallStreamObserver<byte[]>) down, SOTW,
            r -> r.hasNode() ? r.toBuilder().setNode(rewrite(r.getNode())).build() : r)))
        .addMethod(DELTA, ServerCalls.asyncBidiStreamingCall(down -> new Pipe<>(
            (ServerCallStreamObserver<byte[]>) down, DELTA,
            r -> r.hasNode() ? r.toBuilder().setNode(rewrite(r.getNode())).build() : r)))
        .build();
  }

  private Node rewrite(Node n) {
    Node out = Nodes.forwarded(n, namespace);
    if (!out.getMetadata().equals(n.getMetadata())) {
      LOG.debug("event=local_node_adjusted node={}", n.getId());
    }
    return out;
  }

  /** One local stream and its upstream twin (opened once there is an upstream). */
  private final class Pipe<Q> implements StreamObserver<Q> {
    private final ServerCallStreamObserver<byte[]> down;
    private final Function<Q, Q> adjust;
    private ClientCallStreamObserver<Q> up;
    private Channels via;
    private ManagedChannel channel;
    private boolean upstreamWantsMore;
    private boolean downstreamWantsMore;
    private boolean held;
    private boolean done;

    Pipe(ServerCallStreamObserver<byte[]> down, MethodDescriptor<Q, byte[]> method, Function<Q, Q> adjust) {
      this.down = down;
      this.adjust = adjust;
      openStreams.incrementAndGet();
      // nothing is read from the local client until its upstream stream is open
      down.disableAutoRequest();
      down.setOnReadyHandler(this::downstreamReady);
      down.setOnCancelHandler(() -> {
        synchronized (Pipe.this) {
          if (finish() && up != null) {
            up.cancel("local client went away", null);
          }
        }
      });
      if (upstream.isDone()) {
        connect(upstream.join(), method);
      } else {
        synchronized (this) {
          held = true;
          heldStreams.incrementAndGet();
        }
        LOG.info("event=local_xds_stream_held reason=\"no upstream connection yet (waiting for the certificate)\"");
        upstream.thenAccept(ch -> connect(ch, method));
      }
    }

    private void release() {
      if (held) {
        held = false;
        heldStreams.decrementAndGet();
      }
    }

    private synchronized void connect(Channels ch, MethodDescriptor<Q, byte[]> method) {
      release();
      if (done) {
        return;
      }
      via = ch;
      channel = ch.channel();
      @SuppressWarnings("unchecked")
      ClientCallStreamObserver<Q>[] holder = new ClientCallStreamObserver[1];
      ClientCalls.asyncBidiStreamingCall(channel.newCall(method, CallOptions.DEFAULT),
          new ClientResponseObserver<Q, byte[]>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Q> stream) {
              holder[0] = stream;
              stream.disableAutoRequestWithInitial(1);
              stream.setOnReadyHandler(Pipe.this::upstreamReady);
            }

            @Override
            public void onNext(byte[] response) {
              forwarded.incrementAndGet();
              synchronized (Pipe.this) {
                if (done) {
                  return;
                }
                down.onNext(response);
                if (down.isReady()) {
                  holder[0].request(1);
                } else {
                  downstreamWantsMore = true;
                }
              }
            }

            @Override
            public void onError(Throwable t) {
              Status s = Status.fromThrowable(t);
              synchronized (Pipe.this) {
                if (finish()) {
                  down.onError(s.withDescription("upstream " + via.address() + ": " + s.getDescription())
                      .asRuntimeException());
                }
              }
              if (s.getCode() == Status.Code.UNAVAILABLE) {
                via.failover(channel);
              }
            }

            @Override
            public void onCompleted() {
              synchronized (Pipe.this) {
                if (finish()) {
                  down.onCompleted();
                }
              }
            }
          });
      up = holder[0];
      down.request(1);
    }

    private synchronized void upstreamReady() {
      if (upstreamWantsMore && up != null && up.isReady()) {
        upstreamWantsMore = false;
        down.request(1);
      }
    }

    private synchronized void downstreamReady() {
      if (downstreamWantsMore && up != null && down.isReady()) {
        downstreamWantsMore = false;
        up.request(1);
      }
    }

    private boolean finish() {
      if (done) {
        return false;
      }
      release();
      done = true;
      openStreams.decrementAndGet();
      return true;
    }

    @Override
    public synchronized void onNext(Q request) {
      if (done || up == null) {
        return;
      }
      forwarded.incrementAndGet();
      up.onNext(adjust.apply(request));
      if (up.isReady()) {
        down.request(1);
      } else {
        upstreamWantsMore = true;
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      if (finish() && up != null) {
        up.cancel("local client failed", t);
      }
    }

    @Override
    public synchronized void onCompleted() {
      if (!done && up != null) {
        up.onCompleted();
      } else if (!done) {
        finish();
        down.onCompleted();
      }
    }
  }
}

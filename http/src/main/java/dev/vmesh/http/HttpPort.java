package dev.vmesh.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code HttpPort} is one HTTP/1.1 listener on Netty with the limits of {@link HttpLimits}: a connection
 * cap in all and per client, header, body, idle and write timeouts, and sizes for the request line, the
 * headers and the body. One event-loop thread does the I/O of all its connections; the service runs on
 * virtual threads, one request per connection at a time.
 */
public final class HttpPort implements AutoCloseable {
  /** What the connections of one port share. */
  record Shared(String name, HttpLimits limits, HttpService service, HttpMetrics metrics, ConnectionTable table,
      ExecutorService handlers) {}

  private final Shared shared;
  private final EventLoopGroup group;
  private final Channel channel;

  private HttpPort(Shared shared, EventLoopGroup group, Channel channel) {
    this.shared = shared;
    this.group = group;
    this.channel = channel;
  }

  /**
   * Listens on {@code address} (port 0 picks a free one) and serves {@code service}; {@code name} labels the
   * port's metrics and logs. Throws {@link java.net.BindException} when the address is taken or not local.
   */
  public static HttpPort start(String name, InetSocketAddress address, HttpLimits limits, HttpService service,
      HttpMetrics metrics) throws IOException {
    Shared shared = new Shared(name, limits, service, metrics, new ConnectionTable(limits),
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vmesh-http-" + name + "-", 0).factory()));
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vmesh-http-" + name, true),
        NioIoHandler.newFactory());
    HttpDecoderConfig decoder = new HttpDecoderConfig().setMaxInitialLineLength(limits.maxRequestLineBytes())
        .setMaxHeaderSize(limits.maxHeaderBytes()).setMaxChunkSize(64 * 1024);
    ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        // a client may shut its sending side down after its request (nc -N does): it still gets the answer
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ConnectionGuard guard = new ConnectionGuard(shared);
            ch.pipeline().addLast(guard, new HttpServerCodec(decoder), new FlowControlHandler(),
                new Exchanges(shared, guard));
          }
        });
    ChannelFuture bound = b.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      shutdown(group, shared);
      throw bound.cause() instanceof IOException io ? io : new IOException(bound.cause());
    }
    return new HttpPort(shared, group, bound.channel());
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) channel.localAddress();
  }

  /** Connections open now (for tests and debug pages). */
  public int openConnections() {
    return shared.table().open();
  }

  public HttpLimits limits() {
    return shared.limits();
  }

  /** Stops listening and closes every connection, waiting at most a few seconds. */
  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    shutdown(group, shared);
  }

  private static void shutdown(EventLoopGroup group, Shared shared) {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    shared.handlers().shutdownNow();
  }
}

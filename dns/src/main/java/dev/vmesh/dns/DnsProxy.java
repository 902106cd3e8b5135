package dev.vmesh.dns;

import dev.vmesh.api.NameTable;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code DnsProxy} is the VM's DNS proxy (Istio's "smart DNS proxy"): it answers mesh hostnames from
 * the name table the control plane pushes and forwards every other query to the upstream resolvers,
 * over UDP and TCP on each listen address.
 *
 * <p>Life cycle: {@link #builder()} ... {@link DnsProxyConfig.Builder#build()} (loads the table saved on disk, if
 * any), {@link #start()} (binds), {@link #updateTable} on every push, {@link #close()}. The table in
 * use is an immutable snapshot replaced atomically; queries never wait for an update.
 */
public final class DnsProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsProxy.class);

  private final DnsProxyConfig config;
  private final Transports transports;
  private final Forwarder forwarder;
  private final QueryProcessor processor;
  private final AtomicReference<LookupTable> table = new AtomicReference<>();
  private final NameTableFile tableFile;
  private final ExecutorService writer;
  private final AtomicReference<NameTable> unsaved = new AtomicReference<>();
  private final AtomicInteger tcpConnections = new AtomicInteger();
  private final List<Channel> listeners = new ArrayList<>();
  private final List<UdpListener> udpListeners = new ArrayList<>();
  private final List<InetSocketAddress> bound = new ArrayList<>();
  private volatile boolean pushed;
  private EventLoopGroup group;

  /** A proxy with this configuration, not yet listening; loads the table file if there is one. */
  public DnsProxy(DnsProxyConfig config) {
    this(config, TimeoutScheduler.EVENT_LOOP);
  }

  DnsProxy(DnsProxyConfig config, TimeoutScheduler timeouts) {
    this.config = config;
    if (config.preferNativeTransport()) {
      UdpSocket.Mmsg.prepare(); // meanwhile
    }
    this.transports = Transports.select(config.preferNativeTransport());
    this.forwarder = new Forwarder(transports, config.upstreams(), config.forwardTimeout(), config.parallelForwarding(),
        config.randomUpstreamOrder(), config.maxInflightForwards(), timeouts, config.metrics());
    this.processor = new QueryProcessor(table::get, forwarder, config.metrics(), config.maxUdpPayload());
    this.tableFile = config.tableFile() == null ? null : new NameTableFile(config.tableFile());
    this.writer = tableFile == null ? null
        : Executors.newSingleThreadExecutor(Thread.ofVirtual().name("vmesh-dns-table-writer").factory());
    if (tableFile != null) {
      loadSaved();
    }
  }

  /** A builder with Istio's defaults: 127.0.0.1:15053, upstreams and search list from /etc/resolv.conf. */
  public static DnsProxyConfig.Builder builder() {
    return new DnsProxyConfig.Builder();
  }

  private void loadSaved() {
    try {
      tableFile.load().ifPresent(t -> {
        table.set(build(t));
        log.info("event=dns_table_loaded file={} hosts={}", tableFile.path(), t.size());
      });
    } catch (IOException | NameTableJson.InvalidNameTableException e) {
      log.warn("event=dns_table_unreadable file={} error=\"{}\"; starting without a table until the control plane sends one",
          tableFile.path(), e.getMessage().replace('\n', ' '));
    }
  }

  /**
   * Binds UDP and TCP on every listen address. A port of 0 picks a free port, the same for all
   * addresses and both transports. Throws {@link BindException} when a port is taken.
   */
  public synchronized void start() throws IOException {
    if (group != null) {
      throw new IllegalStateException("already started");
    }
    group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("vmesh-dns", true),
        transports.ioHandler());
    int attempts = config.listen().stream().anyMatch(a -> a.getPort() == 0) ? 5 : 1;
    for (int attempt = 1; ; attempt++) {
      try {
        bindAll();
        break;
      } catch (IOException e) {
        closeListeners();
        if (attempt >= attempts) {
          shutdownGroup();
          throw e;
        }
      }
    }
    log.info("event=dns_proxy_started listen={} transport={} udp={} upstreams={} forwarding={} table={}", bound,
        transports.name(), udpKind(), forwarder.upstreams(), config.parallelForwarding() ? "parallel" : "sequential",
        table.get() == null ? "none" : table.get().source().size() + " hosts");
  }

  private void bindAll() throws IOException {
    int port = -1;
    for (InetSocketAddress requested : config.listen()) {
      InetSocketAddress address = port < 0 || requested.getPort() != 0 ? requested
          : new InetSocketAddress(requested.getAddress(), port);
      int sockets = config.ioThreads();
      InetSocketAddress actual = bindUdp(address, sockets > 1);
      for (int i = 1; i < sockets; i++) {
        bindUdp(actual, true);
      }
      bindTcp(actual);
      bound.add(actual);
      if (requested.getPort() == 0 && port < 0) {
        port = actual.getPort();
      }
    }
  }

  private InetSocketAddress bindUdp(InetSocketAddress address, boolean reusePort) throws IOException {
    try {
      UdpListener l = UdpListener.start(address, reusePort, processor, group.next(), config.maxUdpPayload(),
          config.preferNativeTransport());
      udpListeners.add(l);
      return l.localAddress();
    } catch (IOException | RuntimeException e) { // e.g. an IPv6 socket where the JVM runs IPv4 only
      BindException b = new BindException("cannot listen on udp " + address.getAddress().getHostAddress() + ":"
          + address.getPort() + ": " + e.getMessage());
      b.initCause(e);
      throw b;
    }
  }

  private void bindTcp(InetSocketAddress address) throws IOException {
    ServerBootstrap b = new ServerBootstrap().group(group).channel(transports.server())
        .option(ChannelOption.SO_BACKLOG, 128)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (tcpConnections.incrementAndGet() > config.maxTcpConnections()) {
              tcpConnections.decrementAndGet();
              ch.close();
              return;
            }
            ch.closeFuture().addListener(f -> tcpConnections.decrementAndGet());
            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Wire.MAX_MESSAGE + 2, 0, 2, 0, 2),
                new LengthFieldPrepender(2),
                new TcpQueryHandler(processor, config.tcpIdleTimeout()));
          }
        });
    await(b.bind(address).awaitUninterruptibly(), address, "tcp");
  }

  private Channel await(ChannelFuture f, InetSocketAddress address, String what) throws IOException {
    if (!f.isSuccess()) {
      BindException e = new BindException("cannot listen on " + what + " " + address.getAddress().getHostAddress()
          + ":" + address.getPort() + ": " + f.cause().getMessage());
      e.initCause(f.cause());
      throw e;
    }
    listeners.add(f.channel());
    return f.channel();
  }

  /**
   * Replaces the name table. The new table answers every query that arrives after this returns. When
   * a table file was configured, the table is also written there; the returned future completes when
   * this table (or a newer one) is on disk, or at once when there is no file.
   */
  public synchronized CompletableFuture<Void> updateTable(NameTable newTable) {
    LookupTable built = build(newTable);
    table.set(built);
    pushed = true;
    log.debug("event=dns_table_updated hosts={} names={}", newTable.size(), built.size());
    if (tableFile == null) {
      return CompletableFuture.completedFuture(null);
    }
    unsaved.set(newTable);
    try {
      return CompletableFuture.runAsync(this::saveLatest, writer);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("the DNS proxy is closed; table not saved"));
    }
  }

  private void saveLatest() {
    NameTable t = unsaved.getAndSet(null);
    if (t == null) {
      return; // a newer update's write already covered this one
    }
    try {
      tableFile.save(t);
    } catch (IOException e) {
      log.warn("event=dns_table_save_failed file={} error=\"{}\"", tableFile.path(), e.toString());
      throw new UncheckedIOException(e);
    }
  }

  private LookupTable build(NameTable t) {
    return LookupTable.build(t, config.namespace(), config.clusterDomain(), config.searchDomains());
  }

  /** True once a table is in use, pushed or loaded from the table file at start. */
  public boolean hasTable() {
    return table.get() != null;
  }

  /** True once {@link #updateTable} was called (the control plane has been heard from since start). */
  public boolean synced() {
    return pushed;
  }

  /** The table in use ({@link NameTable#EMPTY} before the first). */
  public NameTable table() {
    LookupTable t = table.get();
    return t == null ? NameTable.EMPTY : t.source();
  }

  /** The addresses listened on (UDP and TCP each), with the actual ports; empty before {@link #start}. */
  public synchronized List<InetSocketAddress> listenAddresses() {
    return List.copyOf(bound);
  }

  /** The upstream servers queries are forwarded to. */
  public List<InetSocketAddress> upstreams() {
    return forwarder.upstreams();
  }

  /** The Netty transport in use, {@code epoll} or {@code nio}. */
  public String transport() {
    return transports.name();
  }

  /**
   * How the UDP listeners read: {@code recvmmsg} (batches of datagrams per system call, Linux) or
   * {@code channel} (one at a time); empty before {@link #start}.
   */
  public synchronized String udpKind() {
    return udpListeners.isEmpty() ? "" : udpListeners.getFirst().kind();
  }

  /** Queries being forwarded right now. */
  int inflightForwards() {
    return forwarder.inflight();
  }

  /** Stops listening, lets pending table writes finish, and frees the threads. */
  @Override
  public synchronized void close() {
    closeListeners();
    shutdownGroup();
    if (writer != null) {
      writer.shutdown();
      try {
        writer.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void closeListeners() {
    udpListeners.forEach(UdpListener::close);
    udpListeners.clear();
    for (Channel c : listeners) {
      c.close().awaitUninterruptibly();
    }
    listeners.clear();
    bound.clear();
  }

  private void shutdownGroup() {
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  /** Where the last table is kept, or null. */
  public Path tableFile() {
    return tableFile == null ? null : tableFile.path();
  }
}

package dev.vmesh.dns;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code DnsProxyConfig} is everything a {@link DnsProxy} is built from; make one with
 * {@link DnsProxy#builder()}. Defaults follow Istio's agent.
 *
 * @param listen addresses to serve UDP and TCP on
 * @param upstreams resolvers to forward to (queries equal to a listen address are dropped from it)
 * @param searchDomains the resolv.conf search list; the first gets search-domain aliases
 * @param namespace the proxy's namespace, for bare Kubernetes short names
 * @param clusterDomain the cluster's DNS domain, {@code cluster.local} by default
 * @param forwardTimeout how long one upstream server gets to answer (connect, send, reply)
 * @param parallelForwarding ask all upstreams at once instead of one after another
 * @param randomUpstreamOrder try upstreams in a random order per query (Istio since 1.25), else in order
 * @param maxInflightForwards how many queries may be forwarded at once; more get SERVFAIL
 * @param maxUdpPayload the largest UDP reply sent (when the client's EDNS allows) and advertised
 * @param tcpIdleTimeout how long an idle TCP client connection is kept open
 * @param maxTcpConnections how many TCP client connections are served at once; more are closed
 * @param tableFile where the last table is kept across restarts, or null for nowhere
 * @param metrics where to count
 * @param preferNativeTransport use epoll, and batched UDP system calls, when available
 * @param ioThreads UDP sockets per listen address (each with its own thread) and event loop threads
 */
public record DnsProxyConfig(List<InetSocketAddress> listen, List<InetSocketAddress> upstreams,
    List<String> searchDomains, String namespace, String clusterDomain, Duration forwardTimeout,
    boolean parallelForwarding, boolean randomUpstreamOrder, int maxInflightForwards, int maxUdpPayload,
    Duration tcpIdleTimeout, int maxTcpConnections, Path tableFile, DnsMetrics metrics,
    boolean preferNativeTransport, int ioThreads) {

  /** Istio's DNS proxy port. */
  public static final int DEFAULT_PORT = 15053;

  public DnsProxyConfig {
    listen = List.copyOf(listen);
    upstreams = List.copyOf(upstreams);
    searchDomains = List.copyOf(searchDomains);
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(metrics, "metrics");
    if (listen.isEmpty()) {
      throw new IllegalArgumentException("at least one listen address is needed");
    }
    if (forwardTimeout.isNegative() || forwardTimeout.isZero()) {
      throw new IllegalArgumentException("forward timeout must be positive, not " + forwardTimeout);
    }
    if (maxInflightForwards < 1 || maxTcpConnections < 1 || ioThreads < 1) {
      throw new IllegalArgumentException("limits and thread counts must be at least 1");
    }
    if (maxUdpPayload < Wire.UDP_DEFAULT || maxUdpPayload > Wire.MAX_MESSAGE) {
      throw new IllegalArgumentException("max UDP payload must be in 512..65535, not " + maxUdpPayload);
    }
  }

  /**
   * The default listen addresses for these upstreams: {@code 127.0.0.1} when there is an IPv4
   * upstream (or none at all), {@code [::1]} when there is an IPv6 one.
   */
  public static List<InetSocketAddress> defaultListen(List<InetSocketAddress> upstreams, int port) {
    boolean v6 = upstreams.stream().anyMatch(u -> u.getAddress() instanceof Inet6Address);
    boolean v4 = upstreams.isEmpty() || upstreams.stream().anyMatch(u -> !(u.getAddress() instanceof Inet6Address));
    List<InetSocketAddress> out = new ArrayList<>();
    if (v4) {
      out.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
    if (v6) {
      out.add(new InetSocketAddress(loopback6(), port));
    }
    return out;
  }

  private static InetAddress loopback6() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Builds a {@link DnsProxyConfig} and from it a {@link DnsProxy}. */
  public static final class Builder {
    private static final Logger log = LoggerFactory.getLogger(Builder.class);

    private List<InetSocketAddress> listen;
    private List<InetSocketAddress> upstreams;
    private List<String> search;
    private String namespace = "default";
    private String clusterDomain = "cluster.local";
    private Duration forwardTimeout = Duration.ofSeconds(5);
    private boolean parallel;
    private boolean randomOrder = true;
    private int maxInflight = 1024;
    private int maxUdpPayload = 4096;
    private Duration tcpIdleTimeout = Duration.ofSeconds(10);
    private int maxTcpConnections = 256;
    private Path tableFile;
    private DnsMetrics metrics;
    private boolean preferNative = true;
    private int ioThreads = 1;
    private TimeoutScheduler timeouts = TimeoutScheduler.EVENT_LOOP;

    Builder() {}

    /** Where to listen (UDP and TCP on each); default: see {@link DnsProxyConfig#defaultListen}, port 15053. */
    public Builder listen(List<InetSocketAddress> addresses) {
      this.listen = List.copyOf(addresses);
      return this;
    }

    /** Upstream resolvers; default: the nameservers of /etc/resolv.conf. */
    public Builder upstreams(List<InetSocketAddress> servers) {
      this.upstreams = List.copyOf(servers);
      return this;
    }

    /** Search domains; default: the search list of /etc/resolv.conf. */
    public Builder searchDomains(List<String> domains) {
      this.search = List.copyOf(domains);
      return this;
    }

    /** Upstreams and search domains from a parsed resolv.conf. */
    public Builder resolvConf(ResolvConf conf) {
      conf.warnings().forEach(w -> log.warn("event=resolv_conf_line_ignored detail=\"{}\"", w));
      return upstreams(conf.nameservers()).searchDomains(conf.search());
    }

    /** The proxy's own namespace (default {@code default}). */
    public Builder namespace(String ns) {
      this.namespace = ns;
      return this;
    }

    /** The cluster DNS domain (default {@code cluster.local}). */
    public Builder clusterDomain(String domain) {
      this.clusterDomain = domain;
      return this;
    }

    /** Time each upstream server gets (default 5 s, as Istio's {@code DNS_FORWARD_TIMEOUT}). */
    public Builder forwardTimeout(Duration timeout) {
      this.forwardTimeout = timeout;
      return this;
    }

    /** Ask all upstreams at once (Istio's {@code DNS_FORWARD_PARALLEL}); default one after another. */
    public Builder parallelForwarding(boolean on) {
      this.parallel = on;
      return this;
    }

    /** Try upstreams in a random order per query (default) or in the given order. */
    public Builder randomUpstreamOrder(boolean on) {
      this.randomOrder = on;
      return this;
    }

    /** How many queries may wait on upstreams at once (default 1024); more get SERVFAIL at once. */
    public Builder maxInflightForwards(int n) {
      this.maxInflight = n;
      return this;
    }

    /** Largest UDP reply (when the client's EDNS allows) and the size advertised (default 4096). */
    public Builder maxUdpPayload(int bytes) {
      this.maxUdpPayload = bytes;
      return this;
    }

    /** How long an idle TCP client connection stays open (default 10 s). */
    public Builder tcpIdleTimeout(Duration idle) {
      this.tcpIdleTimeout = idle;
      return this;
    }

    /** How many TCP client connections are served at once (default 256); more are closed. */
    public Builder maxTcpConnections(int n) {
      this.maxTcpConnections = n;
      return this;
    }

    /** Keep the last table in this file (written atomically) and serve it after a restart. */
    public Builder tableFile(Path file) {
      this.tableFile = file;
      return this;
    }

    /** Count into these metrics. */
    public Builder metrics(DnsMetrics m) {
      this.metrics = m;
      return this;
    }

    /** Register new metrics in {@code registry}. */
    public Builder metrics(PrometheusRegistry registry) {
      return metrics(new DnsMetrics(registry));
    }

    /**
     * Use native epoll, and UDP sockets read and written in batches ({@code recvmmsg}/{@code sendmmsg}),
     * when available (default); false forces NIO and one datagram per system call.
     */
    public Builder preferNativeTransport(boolean on) {
      this.preferNative = on;
      return this;
    }

    /**
     * UDP sockets per listen address, sharing the port, each served by a thread of its own; also the
     * event loop threads for TCP and forwarding (default 1: a VM's resolver needs no more).
     */
    public Builder ioThreads(int n) {
      this.ioThreads = n;
      return this;
    }

    /** Test seam: who runs upstream timeouts. */
    Builder timeouts(TimeoutScheduler t) {
      this.timeouts = t;
      return this;
    }

    /** The configuration; reads /etc/resolv.conf when upstreams or search domains were not given. */
    public DnsProxyConfig config() {
      List<InetSocketAddress> up = upstreams;
      List<String> s = search;
      if (up == null || s == null) {
        ResolvConf system;
        try {
          system = ResolvConf.read(ResolvConf.SYSTEM);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + ResolvConf.SYSTEM + "; give upstreams and search domains", e);
        }
        up = up == null ? system.nameservers() : up;
        s = s == null ? system.search() : s;
      }
      List<InetSocketAddress> l = listen != null ? listen : defaultListen(up, DEFAULT_PORT);
      List<InetSocketAddress> loopFree = up.stream().filter(u -> !l.contains(u)).toList();
      if (loopFree.size() < up.size()) {
        log.warn("event=dns_upstream_ignored reason=\"it is this proxy's own listen address\" upstreams={}", up);
      }
      return new DnsProxyConfig(l, loopFree, s, namespace, clusterDomain, forwardTimeout, parallel, randomOrder,
          maxInflight, maxUdpPayload, tcpIdleTimeout, maxTcpConnections, tableFile,
          metrics != null ? metrics : DnsMetrics.unregistered(), preferNative, ioThreads);
    }

    /** A proxy with this configuration, not yet listening; loads the table file if there is one. */
    public DnsProxy build() {
      return new DnsProxy(config(), timeouts);
    }
  }
}

package dev.vmesh.agent.capture;

import com.sun.security.auth.module.UnixSystem;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.config.CaptureConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code AgentCapture} is the capture the agent installs itself ({@code vmesh agent --capture}, with
 * CAP_NET_ADMIN) instead of {@code vmesh agent iptables} run by root: DNS to the proxy when it runs,
 * traffic to Envoy when the agent runs one. This process's user and group are exempt (Envoy, its child,
 * has them too), and so are cluster.env's PROXY_UID and PROXY_GID.
 */
public final class AgentCapture {
  private AgentCapture() {}

  /**
   * Installs the rules and returns what removes them.
   *
   * @param dnsUpstreams the DNS proxy's upstreams (whose port 53 is captured), or null without a DNS proxy
   */
  public static Netfilter install(AgentConfig config, Netfilter.Backend backend, boolean envoy,
      List<InetSocketAddress> dnsUpstreams, int dnsPort) throws IOException {
    CaptureConfig cc;
    try {
      cc = CaptureConfig.from(config.settings(), config.paths().clusterEnv().toString());
    } catch (AgentConfig.ConfigException e) {
      throw new IOException(e.getMessage(), e);
    }
    var unix = new UnixSystem();
    List<String> uids = new ArrayList<>(List.of(Long.toString(unix.getUid())));
    cc.proxyUids().stream().filter(u -> !uids.contains(u)).forEach(uids::add);
    List<String> gids = new ArrayList<>(List.of(Long.toString(unix.getGid())));
    cc.proxyGids().stream().filter(g -> !gids.contains(g)).forEach(gids::add);
    List<String> nameservers = dnsUpstreams == null ? List.of()
        : dnsUpstreams.stream().map(a -> a.getAddress().getHostAddress()).distinct().toList();
    CaptureRules.Inputs in = new CaptureRules.Inputs(cc, envoy, dnsUpstreams != null, uids, gids, nameservers,
        dnsPort, cc.ipv6Traffic());
    Netfilter n = new Netfilter(backend, new Shell(List.of()));
    n.apply(CaptureRules.of(in, false), CaptureRules.of(in, true));
    return n;
  }
}

package dev.vmesh.dist;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code NetnsLink} is a network namespace joined to this host by a veth pair: {@link #hostIp()} on the
 * host's end, {@link #nsIp()} inside (a /30 of 10.251.0.0/16 picked from this JVM's pid, so that parallel
 * runs do not collide). Closing deletes the namespace, and the pair with it.
 */
final class NetnsLink implements AutoCloseable {
  private static final AtomicInteger COUNT = new AtomicInteger();

  private final String ns;
  private final String hostIf;
  private final String hostIp;
  private final String nsIp;

  private NetnsLink(String ns, String hostIf, String hostIp, String nsIp) {
    this.ns = ns;
    this.hostIf = hostIf;
    this.hostIp = hostIp;
    this.nsIp = nsIp;
  }

  static NetnsLink create() {
    assumeTrue(Packages.onPath("ip"), "ip (iproute2) is not installed; apt-get install -y iproute2");
    long pid = ProcessHandle.current().pid();
    int n = COUNT.getAndIncrement();
    String suffix = pid + "-" + n;
    String ns = "vmesh-it-" + suffix;
    String hostIf = "vh" + (pid % 100000) + "x" + n; // at most 15 characters
    String nsIf = "vn" + (pid % 100000) + "x" + n;
    int third = (int) (pid % 250);
    int base = (n % 60) * 4;
    String hostIp = "10.251." + third + "." + (base + 1);
    String nsIp = "10.251." + third + "." + (base + 2);
    NetnsLink link = new NetnsLink(ns, hostIf, hostIp, nsIp);
    try {
      Packages.runOk(List.of("ip", "netns", "add", ns));
      Packages.runOk(List.of("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf));
      Packages.runOk(List.of("ip", "link", "set", nsIf, "netns", ns));
      Packages.runOk(List.of("ip", "addr", "add", hostIp + "/30", "dev", hostIf));
      Packages.runOk(List.of("ip", "link", "set", hostIf, "up"));
      Packages.runOk(link.exec("ip", "addr", "add", nsIp + "/30", "dev", nsIf));
      Packages.runOk(link.exec("ip", "link", "set", nsIf, "up"));
      Packages.runOk(link.exec("ip", "link", "set", "lo", "up"));
    } catch (RuntimeException | AssertionError e) {
      link.close();
      throw e;
    }
    return link;
  }

  String hostIp() {
    return hostIp;
  }

  String nsIp() {
    return nsIp;
  }

  /** {@code command} run inside the namespace. */
  List<String> exec(String... command) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(command));
    return argv;
  }

  @Override
  public void close() {
    Packages.run(List.of("ip", "netns", "del", ns));
    Packages.run(List.of("ip", "link", "del", hostIf));
  }
}

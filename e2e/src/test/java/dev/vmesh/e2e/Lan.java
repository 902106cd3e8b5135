package dev.vmesh.e2e;

import static dev.vmesh.e2e.Commands.must;
import static dev.vmesh.e2e.Commands.run;

import dev.vmesh.e2e.Commands.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Lan} is a small network of network namespaces for one test run: a hub namespace holding a bridge,
 * and machines, each a namespace with one interface ({@code eth0}) on that bridge, one IPv4 address in
 * a /24 and a default route through that interface. Every name carries a per-run tag, so parallel runs do not collide. Closing it kills the processes
 * started through it and deletes the namespaces (and their {@code /etc/netns} directories).
 */
final class Lan implements AutoCloseable {
  private final String tag = Long.toHexString(ProcessHandle.current().pid() & 0xfff)
      + Long.toHexString(System.nanoTime() & 0xfff);
  private final String hub = "vmesh-hub-" + tag;
  private final Path logs;
  private final List<String> namespaces = new ArrayList<>();
  private final Map<String, String> byName = new HashMap<>();
  private final List<Process> processes = new ArrayList<>();
  private int links;

  Lan(Path logs) throws Exception {
    this.logs = logs;
    must("ip", "netns", "add", hub);
    namespaces.add(hub);
    must("ip", "-n", hub, "link", "add", "br0", "type", "bridge");
    must("ip", "-n", hub, "link", "set", "br0", "up");
  }

  /** Adds a machine {@code name} with address {@code ip}/24 and {@code resolv} as its resolv.conf; returns its netns. */
  String machine(String name, String ip, String resolv) throws Exception {
    return machine(name, "br0", ip, null, resolv);
  }

  /** Adds another bridge ({@code name}, at most 15 characters) in the hub: another network segment. */
  void bridge(String name) throws Exception {
    must("ip", "-n", hub, "link", "add", name, "type", "bridge");
    must("ip", "-n", hub, "link", "set", name, "up");
  }

  /**
   * Adds a machine {@code name} with {@code eth0} on {@code bridge}, address {@code ip}/24, its default route
   * through {@code via} (an address on that bridge; null: the interface itself) and {@code resolv} as its
   * resolv.conf; returns its netns.
   */
  String machine(String name, String bridge, String ip, String via, String resolv) throws Exception {
    String ns = "vmesh-" + name + "-" + tag;
    must("ip", "netns", "add", ns);
    namespaces.add(ns);
    byName.put(name, ns);
    attach(name, bridge, "eth0", ip);
    must("ip", "-n", ns, "link", "set", "lo", "up");
    // a machine has a default route: without one, connecting to a virtual IP fails before capture sees it
    if (via == null) {
      must("ip", "-n", ns, "route", "add", "default", "dev", "eth0");
    } else {
      must("ip", "-n", ns, "route", "add", "default", "via", via, "dev", "eth0");
    }
    Path etc = Files.createDirectories(Path.of("/etc/netns", ns));
    Files.writeString(etc.resolve("resolv.conf"), resolv);
    return ns;
  }

  /** Gives machine {@code name} an interface {@code ifname} on {@code bridge} with address {@code ip}/24. */
  void attach(String name, String bridge, String ifname, String ip) throws Exception {
    String ns = byName.get(name);
    String here = "v" + tag + (++links) + "a";
    String there = "v" + tag + links + "b";
    must("ip", "link", "add", here, "type", "veth", "peer", "name", there);
    must("ip", "link", "set", here, "netns", ns);
    must("ip", "link", "set", there, "netns", hub);
    must("ip", "-n", hub, "link", "set", there, "master", bridge, "up");
    must("ip", "-n", ns, "link", "set", here, "name", ifname);
    must("ip", "-n", ns, "addr", "add", ip + "/24", "dev", ifname);
    must("ip", "-n", ns, "link", "set", ifname, "up");
  }

  /** The netns of machine {@code name}. */
  String namespace(String name) {
    return byName.get(name);
  }

  /** Runs {@code cmd} in {@code ns} in the background until close, its output in {@code <log>.log}. */
  Process background(String ns, String log, List<String> cmd) throws Exception {
    Process p = Commands.background(logs.resolve(log + ".log"), Commands.inNetns(ns, cmd.toArray(String[]::new)));
    processes.add(p);
    return p;
  }

  /** Runs {@code cmd} in {@code ns} and waits for it (see {@link Commands#run}). */
  Result exec(String ns, String... cmd) throws Exception {
    return run(Commands.inNetns(ns, cmd));
  }

  /** {@code cmd} in {@code ns} as the unprivileged user nobody (whose traffic the capture rules take). */
  Result asNobody(String ns, String... cmd) throws Exception {
    return exec(ns, Commands.asNobody(cmd));
  }

  String log(String name) {
    return Commands.logTail(logs, name, 5000);
  }

  @Override
  public void close() throws Exception {
    Commands.killAll(processes);
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
      run("rm", "-rf", "/etc/netns/" + ns);
    }
  }
}

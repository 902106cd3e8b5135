package dev.vmesh.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces this test creates, joined by a veth pair: {@code vm} (198.51.100.1) and
 * {@code peer} (198.51.100.2, also 203.0.113.2), documentation addresses that exist only inside them. Names
 * carry the pid and a random suffix so parallel runs do not collide; {@link #close} deletes both. Needs
 * root, iproute2, setpriv and Debian's /usr/bin/python3 (the probe runs as unprivileged users, who cannot
 * reach a Python under /root).
 */
final class TwoHosts implements AutoCloseable {
  static final String VM_IP = "198.51.100.1";
  static final String PEER_IP = "198.51.100.2";
  static final String OTHER_PEER_IP = "203.0.113.2";
  static final String PYTHON = "/usr/bin/python3";

  final String vm;
  final String peer;
  final Path probe;
  private final List<Process> processes = new ArrayList<>();

  private TwoHosts(String suffix, Path probe) {
    this.vm = "vmc-vm-" + suffix;
    this.peer = "vmc-peer-" + suffix;
    this.probe = probe;
  }

  /** Skips the test (with the reason) where namespaces cannot be made; fails if making them fails. */
  static TwoHosts create(Path tmp) throws Exception {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root for network namespaces");
    assumeTrue(exec("sh", "-c", "command -v ip && command -v setpriv") == 0, "needs iproute2 and setpriv");
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), "needs " + PYTHON + " (apt-get install python3)");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path probe = tmp.resolve("netprobe.py");
    Files.copy(Path.of("src/test/resources/capture/netprobe.py"), probe);
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
    String random = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    TwoHosts h = new TwoHosts(ProcessHandle.current().pid() + "-" + random, probe);
    String a = "vmc" + random + "a"; // interface names: at most 15 characters
    String b = "vmc" + random + "b";
    must("ip", "netns", "add", h.vm);
    must("ip", "netns", "add", h.peer);
    must("ip", "link", "add", a, "type", "veth", "peer", "name", b);
    must("ip", "link", "set", a, "netns", h.vm);
    must("ip", "link", "set", b, "netns", h.peer);
    must("ip", "-n", h.vm, "link", "set", "lo", "up");
    must("ip", "-n", h.peer, "link", "set", "lo", "up");
    must("ip", "-n", h.vm, "addr", "add", VM_IP + "/24", "dev", a);
    must("ip", "-n", h.peer, "addr", "add", PEER_IP + "/24", "dev", b);
    must("ip", "-n", h.peer, "addr", "add", OTHER_PEER_IP + "/32", "dev", b);
    must("ip", "-n", h.vm, "link", "set", a, "up");
    must("ip", "-n", h.peer, "link", "set", b, "up");
    must("ip", "-n", h.vm, "route", "add", OTHER_PEER_IP + "/32", "dev", a);
    return h;
  }

  /** Starts a listener in {@code netns} and waits until it is bound. */
  void listen(String netns, String kind, String addr, int port, String label) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", netns, PYTHON, probe.toString(), kind + "-listen", addr,
        Integer.toString(port), label).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    processes.add(p);
    String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertThat(first).as(kind + " listener " + addr + ":" + port + " in " + netns).isEqualTo("ready");
  }

  /** A TCP (or UDP) question from {@code netns} as {@code uid}:{@code gid}: the answer line, or "error: ...". */
  String ask(String netns, int uid, int gid, String kind, String host, int port) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", netns, "setpriv", "--reuid=" + uid, "--regid=" + gid,
        "--clear-groups", PYTHON, probe.toString(), kind + "-ask", host, Integer.toString(port))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /** {@code ip netns exec NS} for {@link Shell}. */
  List<String> in(String netns) {
    return List.of("ip", "netns", "exec", netns);
  }

  String run(String netns, String... cmd) throws Exception {
    List<String> argv = new ArrayList<>(in(netns));
    argv.addAll(List.of(cmd));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    exec("ip", "netns", "del", vm);
    exec("ip", "netns", "del", peer);
  }

  static void must(String... cmd) throws Exception {
    assertThat(exec(cmd)).as(String.join(" ", cmd)).isZero();
  }

  static int exec(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}

package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmesh dns serve}: serves a name table file until stopped; bad input is reported, not thrown. */
class DnsServeCommandTest {
  @TempDir
  Path dir;

  @Test
  void servesTheNameTableOfARegistryDocumentUntilStopped() throws Exception {
    Path table = dir.resolve("names.json");
    try (var in = getClass().getResourceAsStream("/examples-registry.json")) {
      Files.write(table, in.readAllBytes());
    }
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "search ns1.svc.cluster.local svc.cluster.local\n");

    Running r = Running.start("--table", table.toString(), "--listen", "127.0.0.1:0", "--resolv-conf", resolv.toString(),
        "--namespace", "ns1");
    assertThat(r.firstLine).contains("forwarding to nothing").contains("search ns1.svc.cluster.local svc.cluster.local");
    InetSocketAddress proxy = r.address;

    byte[] reply = ask(proxy, "svc1.internal.com");
    assertThat(reply[3] & 0xf).isZero();
    assertThat(Arrays.copyOfRange(reply, reply.length - 4, reply.length)).containsExactly(240, 240, 0, 2);
    byte[] alias = ask(proxy, "svc1.internal.com.ns1.svc.cluster.local"); // the search-domain shortcut
    assertThat(Arrays.copyOfRange(alias, alias.length - 4, alias.length)).containsExactly(240, 240, 0, 2);
    assertThat(ask(proxy, "unknown.example")[3] & 0xf).isEqualTo(2); // no nameserver: SERVFAIL

    assertThat(r.stop()).isZero();
  }

  @Test
  void aChangedTableFileIsServedAndABrokenOneKeepsTheNamesBefore() throws Exception {
    Path table = dir.resolve("names.json");
    Files.writeString(table, "{\"a.mesh\": {\"ips\": [\"10.0.0.1\"]}}");
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "");
    Running r = Running.start("--table", table.toString(), "--listen", "127.0.0.1:0", "--resolv-conf", resolv.toString(),
        "--reload-interval", "50ms");
    assertThat(lastFour(ask(r.address, "a.mesh"))).containsExactly(10, 0, 0, 1);

    replace(table, "{\"a.mesh\": {\"ips\": [\"10.0.0.2\"]}, \"b.mesh\": {\"ips\": [\"10.0.0.9\"]}}");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(r.out()).contains("reloaded 2 names from " + table));
    assertThat(lastFour(ask(r.address, "a.mesh"))).containsExactly(10, 0, 0, 2);
    assertThat(lastFour(ask(r.address, "b.mesh"))).containsExactly(10, 0, 0, 9);

    replace(table, "{\"b.mesh\": {\"ips\": [\"10.0.0.300\"]}}");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(r.err.toString())
        .contains(table + ":1:21: [\"b.mesh\"].ips[0]: \"10.0.0.300\" is not an IP address")
        .contains("still serving the names loaded before"));
    assertThat(lastFour(ask(r.address, "b.mesh"))).containsExactly(10, 0, 0, 9);

    Files.delete(table);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(r.err.toString()).contains(table + ": no such file"));
    assertThat(lastFour(ask(r.address, "a.mesh"))).containsExactly(10, 0, 0, 2);
    assertThat(r.stop()).isZero();
  }

  @Test
  void aBadReloadIntervalNamesTheFlag() throws Exception {
    Path table = dir.resolve("t.json");
    Files.writeString(table, "{\"a.mesh\": {\"ips\": [\"10.0.0.1\"]}}");
    Cli r = Cli.run("dns", "serve", "--table", table.toString(), "--reload-interval", "often");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--reload-interval: \"often\" is not a duration; use a whole number with ms, s, m, h or d");
  }

  /** Writes the file beside {@code file} and renames it over, as the reload check asks. */
  private static void replace(Path file, String content) throws Exception {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    Files.writeString(next, content);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static int[] lastFour(byte[] reply) {
    assertThat(reply[3] & 0xf).as("rcode").isZero();
    int[] out = new int[4];
    for (int i = 0; i < 4; i++) {
      out[i] = reply[reply.length - 4 + i] & 0xff;
    }
    return out;
  }

  /** {@code vmesh dns serve} running on a virtual thread, its output captured. */
  private static final class Running {
    final DnsCommand.Serve serve = new DnsCommand.Serve();
    final StringBuffer out = new StringBuffer();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    String firstLine;
    InetSocketAddress address;

    static Running start(String... args) throws Exception {
      Running r = new Running();
      CompletableFuture<String> started = new CompletableFuture<>();
      CommandLine cl = new CommandLine(r.serve);
      cl.setOut(new PrintWriter(new Writer() {
        @Override
        public void write(char[] c, int off, int len) {
          r.out.append(c, off, len);
          if (r.out.indexOf("\n") >= 0) {
            started.complete(r.out.toString());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      }, true));
      cl.setErr(new PrintWriter(r.err, true));
      Thread.ofVirtual().start(() -> r.exit.complete(cl.execute(args)));
      r.firstLine = CompletableFuture.anyOf(started, r.exit).thenApply(x -> started.getNow(r.err.toString()))
          .get(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("serving (\\d+) names from .* on 127\\.0\\.0\\.1:(\\d+) ").matcher(r.firstLine);
      assertThat(m.find()).as(r.firstLine).isTrue();
      r.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(m.group(2)));
      return r;
    }

    String out() {
      return out.toString();
    }

    int stop() throws Exception {
      serve.stop.complete(null);
      return exit.get(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void aMissingOrBrokenTableIsReportedWithExitCode2() throws Exception {
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "nameserver 127.0.0.1\n");
    Cli missing = Cli.run("dns", "serve", "--table", dir.resolve("nope.json").toString(), "--resolv-conf", resolv.toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("nope.json: no such file");

    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"a.mesh\": {\"ips\": [\"10.0.0.300\"]}}");
    Cli bad = Cli.run("dns", "serve", "--table", broken.toString(), "--resolv-conf", resolv.toString());
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains(broken + ":1:21: [\"a.mesh\"].ips[0]: \"10.0.0.300\" is not an IP address");

    Cli badListen = Cli.run("dns", "serve", "--table", broken.toString(), "--resolv-conf", resolv.toString(),
        "--listen", "localhost:53");
    assertThat(badListen.exit()).isEqualTo(2);
  }

  @Test
  void aTakenPortIsReportedWithExitCode1() throws Exception {
    Path table = dir.resolve("t.json");
    Files.writeString(table, "{\"a.mesh\": {\"ips\": [\"10.0.0.1\"]}}");
    Path resolv = dir.resolve("resolv.conf");
    Files.writeString(resolv, "");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli r = Cli.run("dns", "serve", "--table", table.toString(), "--resolv-conf", resolv.toString(),
          "--listen", "127.0.0.1:" + taken.getLocalPort());
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err()).contains("cannot listen on tcp 127.0.0.1:" + taken.getLocalPort());
    }
  }

  /** One A query over UDP; returns the raw reply. */
  private static byte[] ask(InetSocketAddress server, String name) throws Exception {
    ByteArrayOutputStream q = new ByteArrayOutputStream();
    q.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      q.write(label.length());
      q.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    q.writeBytes(new byte[] {0, 0, 1, 0, 1});
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      s.setSoTimeout(20_000);
      s.send(new DatagramPacket(q.toByteArray(), q.size(), server));
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      return Arrays.copyOf(buf, p.getLength());
    }
  }
}

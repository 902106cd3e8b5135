package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

    DnsCommand.Serve serve = new DnsCommand.Serve();
    CompletableFuture<String> started = new CompletableFuture<>();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new PrintWriter(new Writer() {
      final StringBuilder sb = new StringBuilder();

      @Override
      public synchronized void write(char[] c, int off, int len) {
        sb.append(c, off, len);
        if (sb.indexOf("\n") >= 0) {
          started.complete(sb.toString());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    }, true));
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> exit.complete(cl.execute("--table", table.toString(), "--listen", "127.0.0.1:0",
        "--resolv-conf", resolv.toString(), "--namespace", "ns1")));

    String line = CompletableFuture.anyOf(started, exit).thenApply(x -> started.getNow(err.toString()))
        .get(60, TimeUnit.SECONDS);
    Matcher m = Pattern.compile("serving (\\d+) names from .* on 127\\.0\\.0\\.1:(\\d+) ").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    assertThat(line).contains("forwarding to nothing").contains("search ns1.svc.cluster.local svc.cluster.local");
    InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(m.group(2)));

    byte[] reply = ask(proxy, "svc1.internal.com");
    assertThat(reply[3] & 0xf).isZero();
    assertThat(Arrays.copyOfRange(reply, reply.length - 4, reply.length)).containsExactly(240, 240, 0, 3);
    byte[] alias = ask(proxy, "svc1.internal.com.ns1.svc.cluster.local"); // the search-domain shortcut
    assertThat(Arrays.copyOfRange(alias, alias.length - 4, alias.length)).containsExactly(240, 240, 0, 3);
    assertThat(ask(proxy, "unknown.example")[3] & 0xf).isEqualTo(2); // no nameserver: SERVFAIL

    serve.stop.complete(null);
    assertThat(exit.get(60, TimeUnit.SECONDS)).isZero();
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

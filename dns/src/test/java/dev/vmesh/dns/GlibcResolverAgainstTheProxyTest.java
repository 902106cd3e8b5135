package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real glibc stub resolver ({@code getent ahosts}) against the proxy. glibc cannot be pointed at
 * a port, so the proxy listens on port 53 of a random 127.53.x.y address (still loopback, so no other
 * resolver is disturbed), and getent runs in a private mount namespace ({@code unshare --mount}) with
 * a resolv.conf bind-mounted over /etc/resolv.conf that names that address and the Kubernetes-style
 * search list with ndots:5. Needs root (port 53 and unshare); skipped otherwise.
 */
class GlibcResolverAgainstTheProxyTest {
  @TempDir
  static Path dir;
  static ProxyFixture f;
  static Path resolvConf;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(System.getProperty("os.name").equals("Linux") && ExternalProcess.available("getent")
        && ExternalProcess.available("unshare"), "needs Linux, getent and unshare");
    assumeTrue(ExternalProcess.run(List.of("unshare", "--mount", "--propagation", "private", "true")).exit() == 0,
        "cannot make a mount namespace (not root?)");
    for (int attempt = 0; attempt < 5 && f == null; attempt++) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      InetAddress address = InetAddress.getByAddress(new byte[] {127, 53, (byte) r.nextInt(1, 255), (byte) r.nextInt(1, 255)});
      try {
        f = ProxyFixture.start(1, true, b -> b.listen(List.of(new InetSocketAddress(address, 53))));
      } catch (UncheckedIOException e) {
        if (e.getMessage().contains("ermission")) {
          break;
        }
      }
    }
    assumeTrue(f != null, "cannot listen on port 53 of a 127.53.x.y address");
    resolvConf = dir.resolve("resolv.conf");
    Files.writeString(resolvConf, "nameserver " + f.address().getAddress().getHostAddress() + "\n"
        + "search " + String.join(" ", ProxyFixture.SEARCH) + "\n" + "options ndots:5 attempts:1 timeout:10\n");
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** Output lines of {@code getent DATABASE NAME} run with the test's resolv.conf. */
  static List<String> getent(String database, String name) throws Exception {
    ExternalProcess p = ExternalProcess.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
        "mount --bind \"$1\" /etc/resolv.conf && exec getent \"$2\" \"$3\"", "sh", resolvConf.toString(), database, name));
    assertThat(p.exit()).as("getent %s %s: %s", database, name, p.err()).isZero();
    return p.out().lines().toList();
  }

  static Set<String> addresses(List<String> lines) {
    return lines.stream().map(l -> l.split("\\s+")[0]).collect(Collectors.toSet());
  }

  static String canonicalName(List<String> lines) {
    String[] first = lines.getFirst().split("\\s+");
    return first.length > 2 ? first[2] : "";
  }

  @Test
  void aFullyQualifiedServiceName() throws Exception {
    List<String> lines = getent("ahostsv4", "productpage.ns1.svc.cluster.local");
    assertThat(addresses(lines)).containsExactly("9.9.9.9");
  }

  @Test
  void aShortNameThroughTheSearchListAndTheCnameShortcut() throws Exception {
    List<String> bare = getent("ahosts", "productpage");
    assertThat(addresses(bare)).containsExactly("9.9.9.9");
    List<String> withNamespace = getent("ahosts", "productpage.ns1");
    assertThat(addresses(withNamespace)).containsExactly("9.9.9.9");
    assertThat(canonicalName(withNamespace)).isEqualTo("productpage.ns1");
    assertThat(f.upstream().received()).extracting(FakeUpstream.Received::name)
        .doesNotContain("productpage.ns1.ns1.svc.cluster.local.");
  }

  @Test
  void anIpv4OnlyHostResolvesDespiteTheParallelAaaaQuery() throws Exception {
    assertThat(addresses(getent("ahosts", "ipv4.localhost"))).containsExactly("2.2.2.2");
    assertThat(addresses(getent("ahosts", "dual.localhost"))).containsExactlyInAnyOrder("2.2.2.2", "2001:db8::ff00:42:8329");
  }

  @Test
  void aWildcardReachedThroughTheSearchList() throws Exception {
    List<String> lines = getent("ahostsv4", "foo.b.wildcard");
    assertThat(addresses(lines)).containsExactly("11.11.11.11");
    assertThat(canonicalName(lines)).isEqualTo("foo.b.wildcard");
  }

  @Test
  void aReverseLookupOfAMeshAddressNamesItsHost() throws Exception {
    assertThat(getent("hosts", "9.9.9.9")).singleElement().asString()
        .matches("9\\.9\\.9\\.9\\s+productpage\\.ns1\\.svc\\.cluster\\.local");
  }

  @Test
  void aNonMeshNameWalksTheSearchListThenGoesUpstream() throws Exception {
    assertThat(addresses(getent("ahostsv4", "www.bing.com"))).containsExactly("1.1.1.1");
    assertThat(f.upstream().received()).extracting(FakeUpstream.Received::name)
        .contains("www.bing.com.ns1.svc.cluster.local.", "www.bing.com.");
  }
}

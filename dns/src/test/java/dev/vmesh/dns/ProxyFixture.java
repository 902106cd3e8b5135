package dev.vmesh.dns;

import dev.vmesh.api.NameTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Test helper: a started proxy on 127.0.0.1 (a free port) in front of fake upstreams, with the name
 * table, namespace and search list of the Istio agent's own test fixture (spec section 3.1).
 */
final class ProxyFixture implements AutoCloseable, AfterAllCallback {
  static final List<String> SEARCH = List.of("ns1.svc.cluster.local", "svc.cluster.local", "cluster.local");

  /** The fixture table: Kubernetes services, ServiceEntry hosts, wildcards, IPv6 and dual stack. */
  static final NameTable TABLE = new NameTable(Map.ofEntries(
      Map.entry("www.google.com", NameTable.NameInfo.external("1.1.1.1")),
      Map.entry("productpage.ns1.svc.cluster.local", kube("productpage", "ns1", "9.9.9.9")),
      Map.entry("example.ns2.svc.cluster.local", kube("example", "ns2", "10.10.10.10")),
      Map.entry("details.ns2.svc.cluster.remote",
          kube("details", "ns2", "11.11.11.11", "12.12.12.12", "13.13.13.13", "14.14.14.14")),
      Map.entry("svc-with-alt.ns1.svc.cluster.local", new NameTable.NameInfo(List.of("15.15.15.15"),
          NameTable.NameInfo.KUBERNETES, "svc-with-alt", "ns1", List.of("svc-with-alt.ns1.svc.clusterset.local"))),
      Map.entry("ipv6.localhost", NameTable.NameInfo.external("2001:db8::ff00:42:8329")),
      Map.entry("dual.localhost", NameTable.NameInfo.external("2.2.2.2", "2001:db8::ff00:42:8329")),
      Map.entry("ipv4.localhost", NameTable.NameInfo.external("2.2.2.2")),
      Map.entry("*.b.wildcard", NameTable.NameInfo.external("11.11.11.11")),
      Map.entry("*.wildcard", NameTable.NameInfo.external("10.10.10.10")),
      Map.entry("*.svc.mesh.company.net", NameTable.NameInfo.external("10.1.2.3")),
      Map.entry("example.localhost.", NameTable.NameInfo.external("3.3.3.3"))));

  static NameTable.NameInfo kube(String shortname, String ns, String... ips) {
    return new NameTable.NameInfo(List.of(ips), NameTable.NameInfo.KUBERNETES, shortname, ns);
  }

  final List<FakeUpstream> upstreams = new ArrayList<>();
  final ManualTimeouts timeouts = new ManualTimeouts();
  final DnsMetrics metrics = DnsMetrics.unregistered();
  final DnsProxy proxy;

  private ProxyFixture(int upstreamCount, boolean withTable, Consumer<DnsProxyConfig.Builder> customize) {
    for (int i = 0; i < upstreamCount; i++) {
      upstreams.add(FakeUpstream.start());
    }
    upstreams.forEach(u -> u.answer("www.bing.com", "1.1.1.1"));
    DnsProxyConfig.Builder b = DnsProxy.builder()
        .listen(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        .upstreams(upstreams.stream().map(FakeUpstream::address).toList())
        .searchDomains(SEARCH)
        .namespace("ns1")
        .randomUpstreamOrder(false)
        .metrics(metrics)
        .timeouts(timeouts);
    customize.accept(b);
    proxy = b.build();
    try {
      proxy.start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
    if (withTable) {
      proxy.updateTable(TABLE).join();
    }
  }

  /** A proxy with the fixture table and one upstream. */
  static ProxyFixture start() {
    return new ProxyFixture(1, true, b -> {});
  }

  static ProxyFixture start(int upstreams, boolean withTable, Consumer<DnsProxyConfig.Builder> customize) {
    return new ProxyFixture(upstreams, withTable, customize);
  }

  FakeUpstream upstream() {
    return upstreams.getFirst();
  }

  InetSocketAddress address() {
    return proxy.listenAddresses().getFirst();
  }

  /** Asks the proxy over UDP ({@code tcp} false) or TCP and decodes the reply. */
  Reply ask(boolean tcp, TestQuery query) {
    return Reply.parse(DnsClient.ask(tcp, address(), query.bytes()));
  }

  Reply ask(boolean tcp, String name, int type) {
    return ask(tcp, TestQuery.of(name, type));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close(); // a fixture held in a static @RegisterExtension field lives as long as its test class
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.close();
    }
    upstreams.forEach(FakeUpstream::close);
  }

}

package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.NameTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 2.2: the short forms the agent derives for Kubernetes hosts in its own cluster domain. */
class ShortNamesExpandPerNamespaceTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void ownNamespaceServicesAnswerToTheBareNameAndNamespaceForms(boolean tcp) {
    for (String name : List.of("productpage.", "productpage.ns1.", "productpage.ns1.svc.", "PRODUCTPAGE.ns1.SVC.")) {
      Reply r = f.ask(tcp, name, TestQuery.A);
      assertThat(r.addresses()).as(name).containsExactly("9.9.9.9");
      assertThat(r.answers().getFirst().name()).isEqualTo(name);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void otherNamespacesNeedTheNamespaceInTheName(boolean tcp) {
    assertThat(f.ask(tcp, "example.ns2.", TestQuery.A).addresses()).containsExactly("10.10.10.10");
    assertThat(f.ask(tcp, "example.ns2.svc.", TestQuery.A).addresses()).containsExactly("10.10.10.10");
    long before = f.upstream().count("example.");
    Reply bare = f.ask(tcp, "example.", TestQuery.A);
    assertThat(bare.rcode()).isEqualTo(3); // the fake upstream's NXDOMAIN: it was forwarded
    assertThat(f.upstream().count("example.")).isEqualTo(before + 1);
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void hostsOfAnotherClusterDomainGetNoShortForms(boolean tcp) {
    assertThat(f.ask(tcp, "details.ns2.svc.cluster.remote.", TestQuery.A).addresses())
        .containsExactlyInAnyOrder("11.11.11.11", "12.12.12.12", "13.13.13.13", "14.14.14.14");
    assertThat(f.ask(tcp, "details.ns2.", TestQuery.A).rcode()).isEqualTo(3);
    assertThat(f.ask(tcp, "details.ns2.svc.", TestQuery.A).rcode()).isEqualTo(3);
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void alternateHostsAnswerWithTheSameAddresses(boolean tcp) {
    assertThat(f.ask(tcp, "svc-with-alt.ns1.svc.clusterset.local.", TestQuery.A).addresses())
        .containsExactly("15.15.15.15");
    assertThat(f.ask(tcp, "svc-with-alt.", TestQuery.A).addresses()).containsExactly("15.15.15.15");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void serviceEntryHostsAndLookalikeDomainsGetNoShortForms(boolean tcp) {
    try (ProxyFixture g = ProxyFixture.start(1, false, b -> {})) {
      g.proxy.updateTable(new NameTable(Map.of(
          "svc1.internal.com", new NameTable.NameInfo(List.of("240.240.0.1"), "External", "svc1", "ns1"),
          // ends with "svc.cluster.local" but not on a label boundary
          "foosvc.cluster.local", ProxyFixture.kube("foo", "ns1", "1.2.3.4")))).join();

      assertThat(g.ask(tcp, "svc1.internal.com.", TestQuery.A).addresses()).containsExactly("240.240.0.1");
      assertThat(g.ask(tcp, "svc1.", TestQuery.A).rcode()).isEqualTo(3);
      assertThat(g.ask(tcp, "svc1.ns1.", TestQuery.A).rcode()).isEqualTo(3);
      assertThat(g.ask(tcp, "foosvc.cluster.local.", TestQuery.A).addresses()).containsExactly("1.2.3.4");
      assertThat(g.ask(tcp, "foo.", TestQuery.A).rcode()).isEqualTo(3);
      assertThat(g.ask(tcp, "foo.ns1.", TestQuery.A).rcode()).isEqualTo(3);
    }
  }
}

package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 2.3 step 3, and Istio #47264/#61732 avoided: no answer ever carries a literal "*" owner. */
class WildcardsMatchMostSpecificFirstTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aWildcardAnswersUnderTheQueriedName(boolean tcp) {
    assertThat(f.ask(tcp, "foo.wildcard.", TestQuery.A).answers())
        .containsExactly(new Reply.Rr("foo.wildcard.", TestQuery.A, 1, 30, "10.10.10.10"));
    assertThat(f.ask(tcp, "a.b.c.svc.mesh.company.net.", TestQuery.A).addresses()).containsExactly("10.1.2.3");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void theMostSpecificWildcardWins(boolean tcp) {
    assertThat(f.ask(tcp, "a.b.wildcard.", TestQuery.A).addresses()).containsExactly("11.11.11.11");
    assertThat(f.ask(tcp, "x.y.b.wildcard.", TestQuery.A).addresses()).containsExactly("11.11.11.11");
    assertThat(f.ask(tcp, "b.wildcard.", TestQuery.A).addresses()).containsExactly("10.10.10.10");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void theWildcardsOwnDomainIsNotMatched(boolean tcp) {
    assertThat(f.ask(tcp, "wildcard.", TestQuery.A).rcode()).isEqualTo(3);
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aSearchDomainExpansionGetsACnameToTheConcreteNameNotToTheStar(boolean tcp) {
    Reply r = f.ask(tcp, "Foo.b.wildcard.ns1.svc.cluster.local.", TestQuery.A);
    assertThat(r.answers()).containsExactly(
        new Reply.Rr("Foo.b.wildcard.ns1.svc.cluster.local.", TestQuery.CNAME, 1, 30, "Foo.b.wildcard."),
        new Reply.Rr("Foo.b.wildcard.", TestQuery.A, 1, 30, "11.11.11.11"));
    assertThat(r.answers()).noneMatch(rr -> rr.name().contains("*") || rr.data().contains("*"));
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aFamilyTheWildcardLacksGetsNoData(boolean tcp) {
    Reply r = f.ask(tcp, "foo.wildcard.", TestQuery.AAAA);
    assertThat(r.rcode()).isZero();
    assertThat(r.answers()).isEmpty();
  }
}

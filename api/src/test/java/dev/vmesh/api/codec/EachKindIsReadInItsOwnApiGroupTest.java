package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each kind lives in its own API group with its own versions: PeerAuthentication in security.istio.io
 * (v1, v1beta1), the others in networking.istio.io (v1, v1beta1, v1alpha3). A kind written with the
 * wrong Istio group is an error naming the right one; another API's kind of the same name is skipped.
 */
class EachKindIsReadInItsOwnApiGroupTest {

  private static List<String> messages(ResourceDecoder.Result r) {
    return r.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void peerAuthenticationIsReadInBothSecurityVersions() {
    var r = ResourceDecoder.decode("pa.yaml", """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: old, namespace: ns1}
        spec: {}
        """);
    assertThat(r.problems()).isEmpty();
    assertThat(r.resources()).extracting(x -> x.apiVersion() + " " + x)
        .containsExactly("security.istio.io/v1 PeerAuthentication istio-system/default",
            "security.istio.io/v1beta1 PeerAuthentication ns1/old");
  }

  @Test
  void aKindInTheWrongIstioGroupOrAnUnservedVersionIsAnErrorNamingTheRightOne() {
    var r = ResourceDecoder.decode("wrong.yaml", """
        apiVersion: networking.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: a}
        spec: {}
        ---
        apiVersion: security.istio.io/v1alpha3
        kind: PeerAuthentication
        metadata: {name: b}
        spec: {}
        ---
        apiVersion: security.istio.io/v1
        kind: ServiceEntry
        metadata: {name: c}
        spec: {hosts: [a.example.com]}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentications
        metadata: {name: d}
        spec: {}
        """);
    assertThat(r.decoded()).isEmpty();
    assertThat(messages(r)).containsExactly(
        "wrong.yaml:1:1: apiVersion: a PeerAuthentication must have apiVersion security.istio.io/v1 (or v1beta1),"
            + " not \"networking.istio.io/v1\"",
        "wrong.yaml:6:1: apiVersion: \"security.istio.io/v1alpha3\" is not served; use security.istio.io/v1"
            + " (or v1beta1)",
        "wrong.yaml:11:1: apiVersion: a ServiceEntry must have apiVersion networking.istio.io/v1 (or v1beta1,"
            + " v1alpha3), not \"security.istio.io/v1\"",
        "wrong.yaml:16:1: kind: unknown kind \"PeerAuthentications\" in security.istio.io (did you mean"
            + " \"PeerAuthentication\"?); vmesh reads PeerAuthentication of security.istio.io");
    assertThat(r.rejected()).extracting(ResourceDecoder.Rejected::name).containsExactly("a", "b", "c");
  }

  @Test
  void otherIstioSecurityKindsAndOtherApisOfTheSameKindNameAreSkipped() {
    var r = ResourceDecoder.decode("mixed.yaml", """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny}
        spec: {}
        ---
        apiVersion: example.com/v1
        kind: PeerAuthentication
        metadata: {name: theirs}
        spec: {anything: 1}
        """);
    assertThat(r.decoded()).isEmpty();
    assertThat(messages(r)).containsExactly(
        "mixed.yaml:1:1: notice: skipped AuthorizationPolicy: vmesh does not handle this kind",
        "mixed.yaml:6:1: notice: skipped PeerAuthentication (example.com/v1): not one of the Istio kinds vmesh reads");
  }

  @Test
  void kindsKnowTheirGroupVersionsCrdAndNamesUsersType() {
    assertThat(Kind.PEER_AUTHENTICATION.defaultApiVersion()).isEqualTo("security.istio.io/v1");
    assertThat(Kind.PEER_AUTHENTICATION.crdName()).isEqualTo("peerauthentications.security.istio.io");
    assertThat(Kind.PEER_AUTHENTICATION.servesApiVersion("security.istio.io/v1beta1")).isTrue();
    assertThat(Kind.PEER_AUTHENTICATION.servesApiVersion("networking.istio.io/v1")).isFalse();
    assertThat(Kind.SERVICE_ENTRY.defaultApiVersion()).isEqualTo("networking.istio.io/v1");
    assertThat(Kind.fromUserName("pa")).contains(Kind.PEER_AUTHENTICATION);
    assertThat(Kind.fromUserName("PeerAuthentications")).contains(Kind.PEER_AUTHENTICATION);
    assertThat(Kind.fromPlural("security.istio.io", "peerauthentications")).contains(Kind.PEER_AUTHENTICATION);
    assertThat(Kind.fromPlural("networking.istio.io", "peerauthentications")).isEmpty();
    assertThat(Kind.groups()).containsExactly("networking.istio.io", "security.istio.io");
  }
}

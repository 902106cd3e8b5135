package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio fields of Gateway and VirtualService that vmesh's gateways do not implement are errors naming the field, the
 * reason and what to do; the object is refused, never stored with the field dropped. Unknown fields stay "unknown".
 */
class UnsupportedGatewayAndVirtualServiceFieldsAreRefusedByNameTest {

  private static List<String> decode(String yaml) {
    var r = ResourceDecoder.decode("x.yaml", yaml);
    assertThat(r.decoded()).as("nothing of a refused object is kept").isEmpty();
    return r.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void httpRoutesAreRefused() {
    assertThat(decode("""
        apiVersion: networking.istio.io/v1beta1
        kind: VirtualService
        metadata: {name: vs}
        spec:
          hosts: ["*"]
          gateways: [gw]
          http: [{route: [{destination: {host: a.com}}]}]
        """)).containsExactly("x.yaml:7:3: spec.http: HTTP routes are not supported: vmesh's gateways forward TLS by"
        + " SNI (tls routes) and TCP by port (tcp routes) without terminating them; use tls or tcp routes");
  }

  @Test
  void matchAttributesOtherThanPortAndSniAndSubsetsAreRefused() {
    assertThat(decode("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: vs}
        spec:
          hosts: ["*"]
          gateways: [gw]
          tls:
          - match: [{sniHosts: [a.com], sourceLabels: {app: x}}]
            route: [{destination: {host: a.com, subset: v1}}]
          tcp:
          - match: [{port: 1, destinationSubnets: [10.0.0.0/8]}]
            route: [{destination: {host: a.com}}]
        """)).containsExactly(
        "x.yaml:8:33: spec.tls[0].match[0].sourceLabels: sourceLabels is not supported in a match: vmesh's gateways"
            + " match on sniHosts and port only; remove sourceLabels",
        "x.yaml:9:41: spec.tls[0].route[0].destination.subset: subset is not supported: vmesh has no"
            + " DestinationRule subsets; route to the service's host and port",
        "x.yaml:11:23: spec.tcp[0].match[0].destinationSubnets: destinationSubnets is not supported in a match:"
            + " vmesh's gateways match on port only; remove destinationSubnets");
  }

  @Test
  void tlsTerminationSettingsBindAndTargetPortAreRefused() {
    assertThat(decode("""
        apiVersion: networking.istio.io/v1alpha3
        kind: Gateway
        metadata: {name: gw}
        spec:
          servers:
          - port: {number: 443, name: https, protocol: HTTPS, targetPort: 8443}
            bind: 10.0.0.1
            tls: {mode: SIMPLE, credentialName: my-cert}
            hosts: ["*"]
        """)).containsExactly(
        "x.yaml:6:55: spec.servers[0].port.targetPort: targetPort has no effect on a Gateway (Istio refuses it too);"
            + " remove it",
        "x.yaml:8:25: spec.servers[0].tls.credentialName: credentialName is not supported: vmesh's gateways pass"
            + " TLS through without terminating it and read only tls.mode (PASSTHROUGH or AUTO_PASSTHROUGH); remove"
            + " credentialName",
        "x.yaml:7:5: spec.servers[0].bind: bind is not supported: vmesh's gateways listen on every address of the"
            + " gateway's machine (choose them with vmesh gateway's listen flags); remove bind");
  }

  @Test
  void aMisspelledFieldIsStillUnknownWithASuggestion() {
    assertThat(decode("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          servers: [{port: {number: 443, name: tls, protocol: TLS}, tls: {mode: PASSTHROUGH}, hostz: ["*"]}]
        """)).singleElement().asString().startsWith("x.yaml:5:87: spec.servers[0].hostz: unknown field \"hostz\" in a"
        + " server (did you mean \"hosts\"?)");
  }
}

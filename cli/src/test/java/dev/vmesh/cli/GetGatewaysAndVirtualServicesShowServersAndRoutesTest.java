package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code vmesh get gw} shows each Gateway's selector and servers (port, protocol, TLS mode, hosts); {@code vmesh get
 * vs} each VirtualService's gateways, hosts and routes (match port and SNI, destination host and port).
 */
class GetGatewaysAndVirtualServicesShowServersAndRoutesTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  private static List<String> table(Kind kind, String yaml) {
    List<Resource> objects = ResourceDecoder.decode("x.yaml", yaml).resources().stream()
        .map(r -> r.withMetadata(r.metadata().withCreationTimestamp(NOW.minusSeconds(120)))).toList();
    StringWriter s = new StringWriter();
    GetCommand.table(new PrintWriter(s, true), kind, objects, false, NOW);
    return s.toString().lines().toList();
  }

  @Test
  void gatewaysShowTheirServers() {
    assertThat(table(Kind.GATEWAY, """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: istiod-gateway, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers:
          - {port: {number: 15012, name: tls-istiod, protocol: tls}, tls: {mode: PASSTHROUGH}, hosts: ["*"]}
          - {port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}
        """)).containsExactly(
        "NAMESPACE      NAME             SELECTOR                SERVERS                                                      AGE",
        "istio-system   istiod-gateway   istio=eastwestgateway   15012/TLS/PASSTHROUGH:* 15443/TLS/AUTO_PASSTHROUGH:*.local   2m");
  }

  @Test
  void virtualServicesShowTheirRoutes() {
    assertThat(table(Kind.VIRTUAL_SERVICE, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: istiod-vs, namespace: istio-system}
        spec:
          hosts: ["*"]
          gateways: [istiod-gateway]
          tls:
          - match: [{port: 15012, sniHosts: ["*"]}]
            route: [{destination: {host: istiod.istio-system.svc, port: {number: 15012}}}]
          tcp:
          - route: [{destination: {host: db.example.com}, weight: 90}, {destination: {host: db2.example.com}, weight: 10}]
        """)).containsExactly(
        "NAMESPACE      NAME        GATEWAYS         HOSTS   ROUTES                                                                                     AGE",
        "istio-system   istiod-vs   istiod-gateway   *       tls:15012:*->istiod.istio-system.svc:15012 tcp:*->db.example.com(90),db2.example.com(10)   2m");
  }
}

package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gateway validation follows Istio's webhook (server, host, port and TLS rules, unique port names), refuses what
 * vmesh's gateways do not implement with the supported alternative, refuses servers that clash on one port, and
 * every problem names its file, line, column and field.
 */
class GatewayIsValidatedAsIstioDoesTest {

  private static List<String> problems(String name, String spec) {
    return Problems.of("gw.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: " + name
        + ", namespace: istio-system}\n", spec);
  }

  private static List<String> problems(String spec) {
    return problems("gw", spec);
  }

  @Test
  void passthroughAndTcpServersWithNamespacedAndWildcardHostsAreValid() {
    assertThat(problems("""
        selector: {istio: eastwestgateway}
        servers:
        - port: {number: 15443, name: tls, protocol: TLS}
          tls: {mode: AUTO_PASSTHROUGH}
          hosts: ["*.local", "ns1/*.example.com", "./db.example.com", "*/10.1.2.3"]
        - port: {number: 15012, name: tls-istiod, protocol: HTTPS}
          tls: {}
          hosts: ["*"]
          name: istiod
        - port: {number: 5432, name: tcp-db, protocol: tcp}
          hosts: [db.example.com]
        """)).isEmpty();
  }

  @Test
  void theNameMustBeADnsLabel() {
    assertThat(problems("gw.east", """
        servers: [{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: PASSTHROUGH}, hosts: ["*"]}]
        """)).containsExactly("gw.yaml:3:18: metadata.name: \"gw.east\" is not a valid Gateway name: Istio requires a"
        + " DNS label (at most 63 letters, digits and '-', no dots)");
  }

  @Test
  void aGatewayNeedsServersAndEachServerHostsAndAPort() {
    assertThat(problems("selector: {istio: eastwestgateway}")).containsExactly("gw.yaml:5:3: spec.servers: a Gateway"
        + " needs at least one server, e.g. {port: {number: 15443, name: tls, protocol: TLS}, tls: {mode:"
        + " AUTO_PASSTHROUGH}, hosts: [\"*.local\"]}");
    assertThat(problems("servers: [{tls: {mode: PASSTHROUGH}}]")).containsExactly(
        "gw.yaml:5:13: spec.servers[0].hosts: a server needs at least one host, e.g. \"*\" or \"*.local\"",
        "gw.yaml:5:13: spec.servers[0].port: port is required, e.g. {number: 15443, name: tls, protocol: TLS}");
  }

  @Test
  void hostsFollowIstiosNamespaceSlashHostRule() {
    assertThat(problems("""
        servers:
        - port: {number: 443, name: tls, protocol: TLS}
          tls: {mode: PASSTHROUGH}
          hosts: [db, "Bad_Ns/*.example.com", "a*.example.com", "/x.example.com"]
        """)).containsExactly(
        "gw.yaml:8:13: spec.servers[0].hosts[0]: invalid host \"db\": short names are not allowed; use a fully"
            + " qualified name such as db.example.com, or *",
        "gw.yaml:8:17: spec.servers[0].hosts[1]: invalid host \"Bad_Ns/*.example.com\": \"Bad_Ns\" is not a"
            + " namespace; use *, . or a namespace name before the /",
        "gw.yaml:8:41: spec.servers[0].hosts[2]: invalid host \"a*.example.com\": a wildcard must be a whole first"
            + " label (*.example.com or *)",
        "gw.yaml:8:59: spec.servers[0].hosts[3]: invalid host \"/x.example.com\": namespace and host in"
            + " namespace/host cannot be empty");
  }

  @Test
  void portsNeedANumberAName() {
    assertThat(problems("""
        servers:
        - port: {protocol: TLS}
          tls: {mode: PASSTHROUGH}
          hosts: ["*"]
        """)).containsExactly(
        "gw.yaml:6:11: spec.servers[0].port.number: number is required (1..65535)",
        "gw.yaml:6:11: spec.servers[0].port.name: name is required (Istio requires it), e.g. tls");
  }

  @Test
  void portNamesAreUniqueAcrossServers() {
    assertThat(problems("""
        servers:
        - {port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}
        - {port: {number: 15012, name: tls, protocol: TLS}, tls: {mode: PASSTHROUGH}, hosts: ["*"]}
        """)).containsExactly("gw.yaml:7:34: spec.servers[1].port.name: port names in servers must be unique: \"tls\""
        + " is also the name of spec.servers[0].port; rename one");
  }

  @Test
  void anInvalidProtocolListsIstiosProtocols() {
    assertThat(problems("""
        servers: [{port: {number: 1, name: x, protocol: QUIC}, hosts: ["*"]}]
        """)).containsExactly("gw.yaml:5:51: spec.servers[0].port.protocol: invalid protocol \"QUIC\"; a gateway"
        + " server's protocol is one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP, TLS");
  }

  @Test
  void httpServersAreRefusedNamingWhatIsSupported() {
    assertThat(problems("""
        servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
        """)).containsExactly("gw.yaml:5:55: spec.servers[0].port.protocol: protocol HTTP is not supported: vmesh's"
        + " gateways forward TLS without terminating it (protocol TLS or HTTPS with tls.mode PASSTHROUGH or"
        + " AUTO_PASSTHROUGH) and plain TCP (protocol TCP)");
  }

  @Test
  void tlsSettingsBelongToTlsProtocolsOnly() {
    assertThat(problems("""
        servers:
        - {port: {number: 443, name: tls, protocol: TLS}, hosts: ["*"]}
        - {port: {number: 5432, name: db, protocol: TCP}, tls: {mode: PASSTHROUGH}, hosts: ["*"]}
        """)).containsExactly(
        "gw.yaml:6:5: spec.servers[0].tls: a TLS server needs TLS settings: add tls: {mode: PASSTHROUGH} (routed by"
            + " a VirtualService's tls routes) or tls: {mode: AUTO_PASSTHROUGH} (Istio's cross-network SNI)",
        "gw.yaml:7:58: spec.servers[1].tls: a TCP server cannot have TLS settings (Istio refuses them too); use"
            + " protocol TLS to pass TLS through, or remove tls");
  }

  @Test
  void terminatingModesAreRefusedNamingTheSupportedOnes() {
    for (String mode : List.of("SIMPLE", "MUTUAL", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL")) {
      assertThat(problems("""
          servers: [{port: {number: 443, name: https, protocol: HTTPS}, tls: {mode: %s}, hosts: ["*"]}]
          """.formatted(mode))).containsExactly("gw.yaml:5:77: spec.servers[0].tls.mode: tls.mode " + mode + " is"
          + " not supported: vmesh's gateways do not terminate TLS; use PASSTHROUGH or AUTO_PASSTHROUGH (SIMPLE,"
          + " MUTUAL and ISTIO_MUTUAL may come later)");
    }
  }

  @Test
  void serversOnOnePortMustAgreeAndNotRepeatAHost() {
    assertThat(problems("""
        servers:
        - {port: {number: 15443, name: a, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}
        - {port: {number: 15443, name: b, protocol: TLS}, tls: {mode: PASSTHROUGH}, hosts: [x.example.com]}
        - {port: {number: 15443, name: c, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}
        """)).containsExactly(
        "gw.yaml:7:12: spec.servers[1].port: port 15443 clashes with spec.servers[0]: one port has one protocol and"
            + " TLS mode (TLS AUTO_PASSTHROUGH there, TLS PASSTHROUGH here); use another port number or the same"
            + " settings",
        "gw.yaml:8:91: spec.servers[2].hosts: host \"*.local\" is already exposed on port 15443 by spec.servers[0];"
            + " list each host once per port");
  }
}

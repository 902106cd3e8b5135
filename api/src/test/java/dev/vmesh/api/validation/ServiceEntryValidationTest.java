package dev.vmesh.api.validation;

import static dev.vmesh.api.validation.Check.se;
import static dev.vmesh.api.validation.Check.seWarnings;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceEntryValidationTest {

  @Test
  void aPlainStaticServiceIsValid() {
    assertThat(se("""
        hosts: [svc1.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        location: MESH_INTERNAL
        workloadSelector: {labels: {app: foo}}
        """)).isEmpty();
  }

  @Test
  void selectorWildcardStopsValidationAtOnce() {
    // hosts are missing too, but a broken selector returns before hosts are checked
    assertThat(se("workloadSelector: {labels: {app: 'fo*'}}")).containsExactly(
        "spec.workloadSelector.labels.app: wildcard is not allowed in a workload selector value");
  }

  @Test
  void emptySelectorIsAWarning() {
    assertThat(seWarnings("""
        hosts: [a.example.com]
        addresses: [10.0.0.1]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        workloadSelector: {}
        """)).containsExactly("warning: spec.workloadSelector: workload selector specified without labels: "
            + "it selects every workload in the namespace");
  }

  @Test
  void selectorAndEndpointsAreExclusive() {
    assertThat(se("""
        hosts: [a.example.com]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        workloadSelector: {labels: {app: a}}
        endpoints: [{address: 1.1.1.1}]
        """)).containsExactly("spec: only one of workloadSelector or endpoints may be set");
  }

  @Test
  void hostsAreRequiredAndCheckedAndPartialWildcardWarns() {
    assertThat(se("ports: [{number: 80, name: http}]")).containsExactly("spec.hosts: at least one host is required");
    assertThat(se("""
        hosts: ['*', 'bad_host.com', '*.ok.com', 'a.123']
        ports: [{number: 80, name: http}]
        """)).containsExactly(
            "spec.hosts[0]: invalid host *: a ServiceEntry cannot match every host; use *.example.com",
            "spec.hosts[1]: invalid host \"bad_host.com\": \"bad_host\" is not a valid DNS label (letters, digits "
                + "and '-', at most 63)",
            "spec.hosts[3]: invalid host \"a.123\": the last label must not be all digits");
    assertThat(seWarnings("""
        hosts: ['*foo.com']
        addresses: [10.1.1.1]
        ports: [{number: 80, name: http}]
        """)).containsExactly("warning: spec.hosts[0]: partial wildcard \"*foo.com\" is not supported; use a "
            + "whole label: *.example.com");
  }

  @Test
  void addressesMustBeIpsOrCidrsAndCidrsOnlyForNoneOrStatic() {
    assertThat(se("""
        hosts: [a.example.com]
        addresses: [10.0.0.0/8, 'not-an-ip', '2001:db8::1', 'unix:///x']
        ports: [{number: 80, name: http}]
        resolution: DNS
        """)).containsExactly(
            "spec.addresses[1]: \"not-an-ip\" is not a valid IP address or CIDR prefix",
            "spec.addresses[3]: unix socket addresses are not allowed here; put them in endpoints",
            "spec.addresses: CIDR addresses are allowed only with resolution NONE or STATIC");
    assertThat(se("""
        hosts: [a.example.com]
        addresses: [10.0.0.0/8, 10.0.0.0/33]
        ports: [{number: 80, name: http}]
        """)).containsExactly("spec.addresses[1]: \"10.0.0.0/33\" is not a valid IP address or CIDR prefix");
  }

  @Test
  void portsNeedUniqueNamesAndNumbersValidNamesAndKnownProtocols() {
    assertThat(se("""
        hosts: [a.example.com]
        addresses: [10.0.0.1]
        ports:
        - {number: 80, name: http, protocol: http}
        - {number: 80, name: http, protocol: HTTP}
        - {number: 81, name: Bad_Name, protocol: QUIC}
        - {name: nonumber}
        """)).containsExactly(
            "spec.ports[1].name: port name http already defined at spec.ports[0]",
            "spec.ports[1].number: port 80 already defined at spec.ports[0]",
            "spec.ports[2].name: port name \"Bad_Name\" must be a DNS label (letters, digits, '-', at most 63)",
            "spec.ports[2].protocol: unsupported protocol \"QUIC\"; use one of HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, "
                + "TLS (or UDP, GRPC-Web, HTTP_PROXY, Redis, MySQL)",
            "spec.ports[3].number: number is required (1..65535)");
  }

  @Test
  void tcpPortWithoutAddressWarnsOnlyWhenNoAutoAllocation() {
    // resolution NONE never auto-allocates: warn
    assertThat(seWarnings("""
        hosts: [a.example.com]
        ports: [{number: 3306, name: tcp, protocol: TCP}]
        """)).singleElement().asString().startsWith("warning: spec.ports[0].protocol: addresses are required");
    // DNS resolution auto-allocates: no warning
    assertThat(seWarnings("""
        hosts: [a.example.com]
        ports: [{number: 3306, name: tcp, protocol: TCP}]
        resolution: DNS
        """)).isEmpty();
    // opted out of auto-allocation by label: warn
    assertThat(Check.warnings("ServiceEntry", """
        metadata:
          name: se
          labels: {networking.istio.io/enable-autoallocate-ip: "false"}
        spec:
          hosts: [a.example.com]
          ports: [{number: 3306, name: tcp}]
          resolution: DNS
        """)).hasSize(1);
  }

  @Test
  void resolutionNoneForbidsEndpointsAndWarnsOnSelector() {
    assertThat(se("""
        hosts: [a.example.com]
        addresses: [10.0.0.1]
        ports: [{number: 80, name: http}]
        endpoints: [{address: 1.1.1.1}]
        """)).containsExactly("spec.endpoints: no endpoints may be given with resolution NONE; use STATIC or DNS");
    assertThat(seWarnings("""
        hosts: [a.example.com]
        addresses: [10.0.0.1]
        ports: [{number: 80, name: http}]
        workloadSelector: {labels: {a: b}}
        """)).singleElement().asString().contains("workloadSelector should not be set when resolution is NONE");
  }

  @Test
  void staticEndpointsMustBeIpsWithKnownPortNames() {
    assertThat(se("""
        hosts: [a.example.com]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        endpoints:
        - address: foo.example.com
        - {address: 1.1.1.1, ports: {grpc: 9000}}
        - address: ''
        - {address: 'unix:///sock', labels: {'bad key!': x}}
        - {address: 'unix://rel/path'}
        """)).containsExactly(
            "spec.endpoints[0].address: endpoint address \"foo.example.com\" is not a valid IP address "
                + "(resolution STATIC needs IPs; use resolution DNS for hostnames)",
            "spec.endpoints[1].ports.grpc: endpoint port 9000 (grpc) is not defined by the service entry; port "
                + "names must match spec.ports[].name",
            "spec.endpoints[2].address: address is required (an IP, a hostname or unix:///path); it may be empty "
                + "only when network is set",
            "spec.endpoints[3].labels[bad key!]: invalid label key: name \"bad key!\" must be 1..63 characters of "
                + "letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
            "spec.endpoints[4].address: \"unix://rel/path\" must name an absolute socket path not ending in '/' "
                + "(unix:///path) or an abstract socket (unix://@name)");
  }

  @Test
  void unixEndpointNeedsExactlyOneServicePort() {
    assertThat(se("""
        hosts: [a.example.com]
        ports: [{number: 80, name: http}, {number: 81, name: http2}]
        resolution: STATIC
        endpoints: [{address: 'unix:///var/run/a.sock'}]
        """)).containsExactly(
            "spec.endpoints[0].address: exactly 1 service port is required for unix endpoints, the service has 2");
  }

  @Test
  void dnsResolutionRules() {
    assertThat(se("""
        hosts: ['*.example.com']
        ports: [{number: 80, name: http}]
        resolution: DNS
        """)).containsExactly("spec.hosts[0]: hosts must be FQDNs without wildcards when no endpoints are "
            + "provided for resolution DNS: the host itself is resolved");
    assertThat(se("""
        hosts: [a.example.com]
        ports: [{number: 80, name: http}]
        resolution: DNS_ROUND_ROBIN
        endpoints: [{address: a.example.org}, {address: 'unix:///x'}]
        """)).containsExactly(
            "spec.endpoints: there must be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN, found 2",
            "spec.endpoints[1].address: unix endpoints are not allowed with resolution DNS_ROUND_ROBIN; use STATIC");
    assertThat(seWarnings("""
        hosts: [a.example.com, b.example.com]
        addresses: [10.0.0.1]
        ports: [{number: 443, name: https, protocol: HTTPS}]
        resolution: DNS
        """)).singleElement().asString().contains("should have one host");
  }

  @Test
  void multipleHostsNeedHttpOrTlsPorts() {
    assertThat(se("""
        hosts: [a.example.com, b.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}, {number: 3306, name: mysql, protocol: MySQL}]
        resolution: DNS
        """)).containsExactly("spec.ports[1].protocol: multiple hosts provided with non-HTTP, non-TLS port mysql "
            + "(MySQL): use one host per ServiceEntry, or an HTTP/TLS protocol");
  }

  @Test
  void dynamicDnsRules() {
    assertThat(Check.errors("ServiceEntry", """
        metadata: {name: se, labels: {istio.io/use-waypoint: my-waypoint}}
        spec:
          hosts: ['*.example.com', 'plain.example.com']
          addresses: [10.0.0.1]
          ports: [{number: 80, name: http, protocol: HTTP}, {number: 81, name: tcp, protocol: TCP}]
          location: MESH_INTERNAL
          resolution: DYNAMIC_DNS
        """)).contains(
            "spec.hosts[1]: every host must be a wildcard (*.example.com) with resolution DYNAMIC_DNS",
            "spec.addresses: addresses are not allowed with resolution DYNAMIC_DNS",
            "spec.ports[1].protocol: resolution DYNAMIC_DNS supports only HTTP, TLS, GRPC and HTTP2 ports",
            "spec.location: resolution DYNAMIC_DNS with location MESH_INTERNAL cannot use a waypoint");
  }

  @Test
  void metadataNameAndNamespaceAreChecked() {
    assertThat(Check.errors("ServiceEntry", """
        metadata: {namespace: Bad_NS}
        spec: {hosts: [a.b], addresses: [1.1.1.1], ports: [{number: 80, name: http}]}
        """)).containsExactly("metadata.name: name is required",
            "metadata.namespace: \"Bad_NS\" is not a valid namespace: use at most 63 lower-case letters, digits "
                + "and '-', starting and ending with a letter or digit");
  }
}

package dev.vmesh.api.validation;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.GatewaySpec.Server;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Protocols;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GatewayRules} validates a Gateway as Istio's webhook does (name a DNS label, at least one server, hosts
 * {@code [namespace/]host}, port number, name and protocol, TLS settings for TLS protocols only, unique port names),
 * then refuses what vmesh's gateways cannot serve: protocols other than TLS, HTTPS and TCP, TLS modes other than
 * PASSTHROUGH and AUTO_PASSTHROUGH, and servers that clash on one port.
 */
final class GatewayRules {
  private GatewayRules() {}

  static void validate(ObjectMeta meta, GatewaySpec g, Findings f) {
    if (!meta.name().isEmpty() && !Names.isDns1123Label(meta.name())) {
      f.error("metadata.name", "\"" + meta.name() + "\" is not a valid Gateway name: Istio requires a DNS label"
          + " (at most 63 letters, digits and '-', no dots)");
    }
    if (g.servers().isEmpty()) {
      f.error("spec.servers", "a Gateway needs at least one server, e.g. {port: {number: 15443, name: tls,"
          + " protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: [\"*.local\"]}");
    }
    Map<String, Integer> portNames = new HashMap<>();
    Map<Integer, Integer> firstOnPort = new HashMap<>();
    for (int i = 0; i < g.servers().size(); i++) {
      Server s = g.servers().get(i);
      String path = "spec.servers[" + i + "]";
      hosts(path, s.hosts(), f);
      if (s.port() == null) {
        f.error(path + ".port", "port is required, e.g. {number: 15443, name: tls, protocol: TLS}");
        continue;
      }
      port(path, s, f);
      Integer same = portNames.putIfAbsent(s.port().name(), i);
      if (same != null && !s.port().name().isEmpty()) {
        f.error(path + ".port.name", "port names in servers must be unique: \"" + s.port().name()
            + "\" is also the name of spec.servers[" + same + "].port; rename one");
      }
      if (s.port().number() != 0) {
        Integer first = firstOnPort.putIfAbsent(s.port().number(), i);
        if (first != null) {
          clash(path, s, first, g.servers().get(first), f);
        }
      }
    }
  }

  private static void hosts(String path, List<String> hosts, Findings f) {
    if (hosts.isEmpty()) {
      f.error(path + ".hosts", "a server needs at least one host, e.g. \"*\" or \"*.local\"");
    }
    for (int j = 0; j < hosts.size(); j++) {
      String problem = hostProblem(hosts.get(j));
      if (problem != null) {
        f.error(path + ".hosts[" + j + "]", "invalid host \"" + hosts.get(j) + "\": " + problem);
      }
    }
  }

  /** Istio's rule for gateway hosts: {@code [namespace/]host}, namespace {@code *}, {@code .} or a DNS label. */
  private static String hostProblem(String entry) {
    String host = entry;
    int slash = entry.indexOf('/');
    if (slash >= 0) {
      String ns = entry.substring(0, slash);
      host = entry.substring(slash + 1);
      if (ns.isEmpty() || host.isEmpty()) {
        return "namespace and host in namespace/host cannot be empty";
      }
      if (!ns.equals("*") && !ns.equals(".") && !Names.isDns1123Label(ns)) {
        return "\"" + ns + "\" is not a namespace; use *, . or a namespace name before the /";
      }
    }
    if (!host.equals("*") && !host.contains(".")) {
      return "short names are not allowed; use a fully qualified name such as " + host + ".example.com, or *";
    }
    if (Names.isPartialWildcard(host)) {
      return "a wildcard must be a whole first label (*.example.com or *)";
    }
    String problem = Names.wildcardHostProblem(host);
    return problem != null && !Addresses.isIp(host) ? problem : null;
  }

  private static void port(String path, Server s, Findings f) {
    GatewaySpec.Port p = s.port();
    if (p.number() == 0) {
      f.error(path + ".port.number", "number is required (1..65535)");
    }
    if (p.name().isEmpty()) {
      f.error(path + ".port.name", "name is required (Istio requires it), e.g. tls");
    }
    var protocol = Protocols.canonical(p.protocol());
    if (protocol.isEmpty()) {
      f.error(path + ".port.protocol", "invalid protocol \"" + p.protocol() + "\"; a gateway server's protocol is"
          + " one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP, TLS");
      return;
    }
    boolean tlsProtocol = Protocols.isTls(p.protocol());
    if (!tlsProtocol && !protocol.get().equals("TCP")) {
      f.error(path + ".port.protocol", "protocol " + protocol.get() + " is not supported: vmesh's gateways forward TLS"
          + " without terminating it (protocol TLS or HTTPS with tls.mode PASSTHROUGH or AUTO_PASSTHROUGH) and plain"
          + " TCP (protocol TCP)");
      return;
    }
    if (tlsProtocol && s.tls() == null) {
      f.error(path + ".tls", "a " + protocol.get() + " server needs TLS settings: add tls: {mode: PASSTHROUGH}"
          + " (routed by a VirtualService's tls routes) or tls: {mode: AUTO_PASSTHROUGH} (Istio's cross-network SNI)");
    } else if (!tlsProtocol && s.tls() != null) {
      f.error(path + ".tls", "a TCP server cannot have TLS settings (Istio refuses them too); use protocol TLS to"
          + " pass TLS through, or remove tls");
    } else if (s.tls() != null && !s.tls().mode().passthrough()) {
      f.error(path + ".tls.mode", "tls.mode " + s.tls().mode() + " is not supported: vmesh's gateways do not"
          + " terminate TLS; use PASSTHROUGH or AUTO_PASSTHROUGH (SIMPLE, MUTUAL and ISTIO_MUTUAL may come later)");
    }
  }

  /** Two servers on one port must agree on protocol and TLS mode and must not expose the same host twice. */
  private static void clash(String path, Server s, int first, Server other, Findings f) {
    String where = "spec.servers[" + first + "]";
    String protocol = Protocols.canonical(s.port().protocol()).orElse(s.port().protocol());
    String otherProtocol = Protocols.canonical(other.port().protocol()).orElse(other.port().protocol());
    var mode = s.tls() == null ? null : s.tls().mode();
    var otherMode = other.tls() == null ? null : other.tls().mode();
    if (!protocol.equals(otherProtocol) || mode != otherMode) {
      f.error(path + ".port", "port " + s.port().number() + " clashes with " + where + ": one port has one protocol"
          + " and TLS mode (" + describe(otherProtocol, otherMode) + " there, " + describe(protocol, mode)
          + " here); use another port number or the same settings");
      return;
    }
    for (String host : s.hosts()) {
      if (other.hosts().contains(host)) {
        f.error(path + ".hosts", "host \"" + host + "\" is already exposed on port " + s.port().number() + " by "
            + where + "; list each host once per port");
      }
    }
  }

  private static String describe(String protocol, GatewaySpec.TlsMode mode) {
    return protocol + (mode == null ? "" : " " + mode);
  }
}

package dev.vmesh.api.validation;

import dev.vmesh.api.codec.FieldPaths;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Protocols;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServiceEntries;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ServiceEntryRules} validates a ServiceEntry spec in Istio's order: selector, selector vs
 * endpoints, hosts, addresses, ports, per-resolution rules, multi-host port protocols, exportTo.
 */
final class ServiceEntryRules {
  private ServiceEntryRules() {}

  static void validate(ObjectMeta meta, ServiceEntrySpec s, ValidationOptions options, Findings f) {
    if (s.workloadSelector() != null && !SelectorRules.validate("spec.workloadSelector",
        "spec.workloadSelector.labels", s.workloadSelector().labels(), 256, f)) {
      return; // a broken selector stops validation, as in Istio
    }
    if (s.workloadSelector() != null && !s.endpoints().isEmpty()) {
      f.error("spec", "only one of workloadSelector or endpoints may be set");
    }
    hosts(s, f);
    addresses(s, f);
    boolean autoAllocate = ServiceEntries.autoAllocates(meta, s, options.autoAllocateAddresses());
    ports(s, autoAllocate, f);
    Set<String> portNames = new LinkedHashSet<>();
    s.ports().forEach(p -> portNames.add(p.name()));
    if (s.endpoints().size() > 4096) {
      f.error("spec.endpoints", "at most 4096 endpoints are allowed, found " + s.endpoints().size());
    }
    switch (s.resolution()) {
      case NONE -> {
        if (!s.endpoints().isEmpty()) {
          f.error("spec.endpoints", "no endpoints may be given with resolution NONE; use STATIC or DNS");
        }
        if (s.workloadSelector() != null) {
          f.warning("spec.workloadSelector", "workloadSelector should not be set when resolution is NONE; "
              + "traffic goes to the address the client asked for");
        }
      }
      case STATIC -> {
        for (int i = 0; i < s.endpoints().size(); i++) {
          WorkloadEntryRules.validate(s.endpoints().get(i), "spec.endpoints[" + i + "]", false, portNames, f);
        }
      }
      case DNS, DNS_ROUND_ROBIN -> dns(s, portNames, f);
      case DYNAMIC_DNS -> dynamicDns(meta, s, f);
    }
    if (s.resolution() != Resolution.NONE && s.hosts().size() > 1) {
      for (int i = 0; i < s.ports().size(); i++) {
        ServicePort p = s.ports().get(i);
        if (!Protocols.isHttp(p.protocol()) && !Protocols.isTls(p.protocol())) {
          f.error("spec.ports[" + i + "].protocol", "multiple hosts provided with non-HTTP, non-TLS port "
              + p.name() + " (" + (p.protocol().isEmpty() ? "no protocol" : p.protocol())
              + "): use one host per ServiceEntry, or an HTTP/TLS protocol");
        }
      }
    }
    ExportToRules.validate(meta.namespace(), s.exportTo(), f);
  }

  private static void hosts(ServiceEntrySpec s, Findings f) {
    if (s.hosts().isEmpty()) {
      f.error("spec.hosts", "at least one host is required");
    }
    if (s.hosts().size() > 256) {
      f.error("spec.hosts", "at most 256 hosts are allowed, found " + s.hosts().size());
    }
    for (int i = 0; i < s.hosts().size(); i++) {
      String h = s.hosts().get(i);
      String path = "spec.hosts[" + i + "]";
      if (h.equals("*")) {
        f.error(path, "invalid host *: a ServiceEntry cannot match every host; use *.example.com");
        continue;
      }
      String problem = Names.wildcardHostProblem(h);
      if (problem != null) {
        f.error(path, "invalid host \"" + h + "\": " + problem);
      } else if (s.resolution() != Resolution.DYNAMIC_DNS && Names.isPartialWildcard(h)) {
        f.warning(path, "partial wildcard \"" + h + "\" is not supported; use a whole label: *.example.com");
      }
    }
  }

  private static void addresses(ServiceEntrySpec s, Findings f) {
    if (s.addresses().size() > 256) {
      f.error("spec.addresses", "at most 256 addresses are allowed, found " + s.addresses().size());
    }
    boolean cidr = false;
    for (int i = 0; i < s.addresses().size(); i++) {
      String a = s.addresses().get(i);
      String path = "spec.addresses[" + i + "]";
      if (a.length() > 64) {
        f.error(path, "an address must be at most 64 characters");
      } else if (a.startsWith(WorkloadEntrySpec.UNIX_PREFIX)) {
        f.error(path, "unix socket addresses are not allowed here; put them in endpoints");
      } else if (!Addresses.isIpOrCidr(a)) {
        f.error(path, "\"" + a + "\" is not a valid IP address or CIDR prefix");
      }
      cidr |= a.contains("/");
    }
    if (cidr && s.resolution() != Resolution.NONE && s.resolution() != Resolution.STATIC) {
      f.error("spec.addresses", "CIDR addresses are allowed only with resolution NONE or STATIC");
    }
  }

  private static void ports(ServiceEntrySpec s, boolean autoAllocate, Findings f) {
    if (s.ports().size() > 256) {
      f.error("spec.ports", "at most 256 ports are allowed, found " + s.ports().size());
    }
    Map<String, Integer> names = new HashMap<>();
    Map<Integer, Integer> numbers = new HashMap<>();
    for (int i = 0; i < s.ports().size(); i++) {
      ServicePort p = s.ports().get(i);
      String path = "spec.ports[" + i + "]";
      Integer firstName = names.putIfAbsent(p.name(), i);
      if (firstName != null && !p.name().isEmpty()) {
        f.error(path + ".name", "port name " + p.name() + " already defined at spec.ports[" + firstName + "]");
      }
      Integer firstNumber = numbers.putIfAbsent(p.number(), i);
      if (firstNumber != null && p.number() != 0) {
        f.error(path + ".number", "port " + p.number() + " already defined at spec.ports[" + firstNumber + "]");
      }
      if (s.addresses().isEmpty() && !autoAllocate
          && (p.protocol().isEmpty() || p.protocol().equalsIgnoreCase("TCP"))) {
        f.warning(path + ".protocol", "addresses are required for ports serving TCP (or unset) protocol when "
            + "address auto-allocation does not apply; such a port captures all traffic to port " + p.number());
      }
      if (!Names.isDns1123Label(p.name())) {
        f.error(path + ".name", p.name().isEmpty() ? "name is required (a DNS label such as http)"
            : "port name \"" + p.name() + "\" must be a DNS label (letters, digits, '-', at most 63)");
      }
      if (!p.protocol().isEmpty() && Protocols.canonical(p.protocol()).isEmpty()) {
        f.error(path + ".protocol", "unsupported protocol \"" + p.protocol() + "\"; use one of HTTP, HTTPS, "
            + "GRPC, HTTP2, MONGO, TCP, TLS (or UDP, GRPC-Web, HTTP_PROXY, Redis, MySQL)");
      }
      if (p.number() == 0) {
        f.error(path + ".number", "number is required (1..65535)");
      }
    }
  }

  private static void dns(ServiceEntrySpec s, Set<String> portNames, Findings f) {
    if (s.endpoints().isEmpty()) {
      for (int i = 0; i < s.hosts().size(); i++) {
        String h = s.hosts().get(i);
        if (!h.equals("*") && Names.fqdnProblem(h) != null && Names.wildcardHostProblem(h) == null) {
          f.error("spec.hosts[" + i + "]", "hosts must be FQDNs without wildcards when no endpoints are "
              + "provided for resolution " + s.resolution() + ": the host itself is resolved");
        }
      }
    }
    if (s.resolution() == Resolution.DNS_ROUND_ROBIN && s.endpoints().size() > 1) {
      f.error("spec.endpoints", "there must be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN, found "
          + s.endpoints().size());
    }
    for (int i = 0; i < s.endpoints().size(); i++) {
      WorkloadEntrySpec e = s.endpoints().get(i);
      String path = "spec.endpoints[" + i + "]";
      if (e.isUnix()) {
        f.error(path + ".address", "unix endpoints are not allowed with resolution " + s.resolution()
            + "; use STATIC");
        continue;
      }
      WorkloadEntryRules.validate(e, path, true, portNames, f);
    }
    if (!s.addresses().isEmpty() && s.hosts().size() > 1
        && s.ports().stream().anyMatch(p -> Protocols.isTcpBased(p.protocol()))) {
      f.warning("spec.hosts", "a ServiceEntry with addresses and a TCP port should have one host; "
          + "with several hosts traffic to the address goes to only one of them");
    }
  }

  private static void dynamicDns(ObjectMeta meta, ServiceEntrySpec s, Findings f) {
    for (int i = 0; i < s.hosts().size(); i++) {
      if (!s.hosts().get(i).startsWith("*")) {
        f.error("spec.hosts[" + i + "]", "every host must be a wildcard (*.example.com) with resolution "
            + "DYNAMIC_DNS");
      }
    }
    if (!s.addresses().isEmpty()) {
      f.error("spec.addresses", "addresses are not allowed with resolution DYNAMIC_DNS");
    }
    if (!s.endpoints().isEmpty()) {
      f.error("spec.endpoints", "endpoints are not allowed with resolution DYNAMIC_DNS");
    }
    List<String> allowed = List.of("HTTP", "TLS", "GRPC", "HTTP2");
    for (int i = 0; i < s.ports().size(); i++) {
      String c = Protocols.canonical(s.ports().get(i).protocol()).orElse("");
      if (!allowed.contains(c)) {
        f.error("spec.ports[" + i + "].protocol", "resolution DYNAMIC_DNS supports only HTTP, TLS, GRPC and "
            + "HTTP2 ports");
      }
    }
    String waypoint = meta.labels().getOrDefault(WellKnown.USE_WAYPOINT, "");
    if (s.location() == Location.MESH_INTERNAL && !waypoint.isEmpty() && !waypoint.equals("none")) {
      f.error("spec.location", "resolution DYNAMIC_DNS with location MESH_INTERNAL cannot use a waypoint");
    }
  }
}

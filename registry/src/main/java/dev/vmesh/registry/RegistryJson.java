package dev.vmesh.registry;

import dev.vmesh.api.NameTable;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.codec.TreeWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code RegistryJson} prints the registry in the documented schema (docs/architecture.md, "vmesh
 * registry -o json"): services sorted by hostname then namespace, endpoints by address then port, and
 * the name table sorted by hostname.
 */
public final class RegistryJson {
  private RegistryJson() {}

  public static Map<String, Object> tree(List<Service> services, NameTable nameTable) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Object> list = new ArrayList<>();
    for (Service s : services) {
      list.add(service(s));
    }
    out.put("services", list);
    Map<String, Object> names = new LinkedHashMap<>();
    nameTable.table().forEach((host, info) -> {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("ips", info.ips());
      e.put("registry", info.registry());
      e.put("namespace", info.namespace());
      e.put("shortname", info.shortname());
      names.put(host, e);
    });
    out.put("nameTable", names);
    return out;
  }

  public static String json(Registry registry) {
    return TreeWriter.json(tree(registry.services(), registry.nameTable()), true) + "\n";
  }

  static Map<String, Object> service(Service s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hostname", s.hostname());
    m.put("namespace", s.namespace());
    m.put("addresses", s.addresses());
    m.put("autoAllocated", s.autoAllocated());
    m.put("resolution", s.resolution().name());
    m.put("location", s.location().name());
    List<Object> ports = new ArrayList<>();
    for (ServicePort p : s.ports()) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("name", p.name());
      pm.put("number", p.number());
      pm.put("protocol", p.protocol());
      pm.put("targetPort", p.effectiveTargetPort());
      ports.add(pm);
    }
    m.put("ports", ports);
    List<Object> endpoints = new ArrayList<>();
    for (Endpoint e : s.endpoints()) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("address", e.address());
      em.put("port", e.port());
      em.put("servicePort", e.servicePort());
      em.put("labels", new TreeMap<>(e.labels()));
      em.put("network", e.network());
      em.put("locality", e.locality());
      em.put("weight", e.weight());
      em.put("serviceAccount", e.serviceAccount());
      em.put("tlsMode", e.tlsMode());
      em.put("workloadEntry", e.workloadEntry());
      em.put("healthy", e.healthy());
      endpoints.add(em);
    }
    m.put("endpoints", endpoints);
    m.put("clusters", s.clusters());
    return m;
  }
}

package dev.vmesh.controlplane.http;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.registry.network.NetworkGateway;
import dev.vmesh.registry.network.Networks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code NetworkJson} prints {@code /debug/networkz}: whether the mesh has several networks, the scale factor
 * of endpoint weights, each network's gateways with where the server learned of them, and the meshNetworks
 * the server was started with.
 */
final class NetworkJson {
  private NetworkJson() {}

  static String json(Networks networks) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("multiNetwork", networks.multiNetwork());
    out.put("scaleFactor", networks.scaleFactor());
    Map<String, Object> byNetwork = new LinkedHashMap<>();
    for (NetworkGateway g : networks.all()) {
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) byNetwork.computeIfAbsent(g.network(), n -> new ArrayList<>());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("address", g.address());
      m.put("port", g.port());
      m.put("source", g.source());
      l.add(m);
    }
    out.put("gateways", byNetwork);
    Map<String, Object> mesh = new LinkedHashMap<>();
    networks.meshNetworks().networks().forEach((name, n) -> {
      Map<String, Object> nm = new LinkedHashMap<>();
      List<Object> endpoints = new ArrayList<>();
      for (MeshNetworks.EndpointSource e : n.endpoints()) {
        endpoints.add(e.fromCidr().isEmpty() ? Map.of("fromRegistry", e.fromRegistry()) : Map.of("fromCidr", e.fromCidr()));
      }
      List<Object> gateways = new ArrayList<>();
      for (MeshNetworks.Gateway g : n.gateways()) {
        gateways.add(g.address().isEmpty() ? Map.of("registryServiceName", g.registryServiceName(), "port", g.port())
            : Map.of("address", g.address(), "port", g.port()));
      }
      nm.put("endpoints", endpoints);
      nm.put("gateways", gateways);
      mesh.put(name, nm);
    });
    out.put("meshNetworks", mesh);
    return TreeWriter.json(out, true) + "\n";
  }
}

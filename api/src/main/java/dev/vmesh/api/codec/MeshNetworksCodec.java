package dev.vmesh.api.codec;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.MeshNetworks.EndpointSource;
import dev.vmesh.api.MeshNetworks.Gateway;
import dev.vmesh.api.MeshNetworks.Network;
import dev.vmesh.api.Problem;
import dev.vmesh.api.validation.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code MeshNetworksCodec} reads Istio's {@code meshNetworks} file (what istiod reads from
 * {@code --networksConfig}): {@code networks: {NAME: {endpoints: [{fromCidr | fromRegistry}], gateways:
 * [{address | registryServiceName, port, locality}]}}}, checked as istiod's validation checks it, every
 * problem with file:line:col and the field path. Gateway addresses must be IPs: vmesh does not resolve
 * hostnames for gateways.
 */
public final class MeshNetworksCodec {
  private MeshNetworksCodec() {}

  /** The networks and every problem; the networks are null when there are errors. */
  public record Decoded(MeshNetworks networks, List<Problem> problems) {
    public boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  public static Decoded decode(String source, String text) {
    SourceParser.Parsed parsed = SourceParser.parse(source, text);
    List<Problem> problems = new ArrayList<>(parsed.problems());
    if (parsed.hasErrors()) {
      return new Decoded(null, problems);
    }
    if (parsed.documents().isEmpty()) {
      return new Decoded(MeshNetworks.NONE, problems);
    }
    NodeReader reader = new NodeReader(source, problems);
    MapReader root = reader.map(parsed.documents().get(0), "", "Istio's meshNetworks (networks: {NAME: ...})");
    Map<String, Network> networks = new LinkedHashMap<>();
    if (root != null) {
      SourceNode n = root.get("networks");
      if (n != null) {
        networks.putAll(reader.mapOf(n, "networks", (v, p) -> network(reader, v, p)));
      }
      root.finish();
    }
    boolean errors = problems.stream().anyMatch(Problem::isError);
    return new Decoded(errors ? null : new MeshNetworks(networks), problems);
  }

  private static Network network(NodeReader reader, SourceNode node, String path) {
    MapReader m = reader.map(node, path, "a network (endpoints, gateways)");
    if (m == null) {
      return null;
    }
    List<EndpointSource> endpoints = m.list("endpoints", (n, p) -> {
      MapReader r = reader.map(n, p, "a network endpoint source (fromCidr or fromRegistry)");
      if (r == null) {
        return null;
      }
      EndpointSource e = new EndpointSource(r.string("fromCidr"), r.string("fromRegistry"));
      r.finish();
      if (e.fromCidr().isEmpty() == e.fromRegistry().isEmpty()) {
        reader.error(p, r.position(), "set exactly one of fromCidr (an address range such as 10.1.0.0/16) and"
            + " fromRegistry (a registry's cluster id; vmesh's is " + MeshNetworks.REGISTRY + ")");
      } else if (!e.fromCidr().isEmpty() && !Addresses.isCidr(e.fromCidr())) {
        reader.error(NodeReader.child(p, "fromCidr"), reader.position(NodeReader.child(p, "fromCidr")),
            "\"" + e.fromCidr() + "\" is not a CIDR prefix; write e.g. 10.1.0.0/16");
      } else if (!e.fromRegistry().isEmpty() && !e.fromRegistry().equals(MeshNetworks.REGISTRY)) {
        reader.warning(NodeReader.child(p, "fromRegistry"), reader.position(NodeReader.child(p, "fromRegistry")),
            "vmesh has one registry, whose cluster id is " + MeshNetworks.REGISTRY + "; fromRegistry: \""
                + e.fromRegistry() + "\" matches no endpoint");
      }
      return e;
    });
    List<Gateway> gateways = m.list("gateways", (n, p) -> gateway(reader, n, p));
    m.finish();
    Network network = new Network(endpoints, gateways);
    for (int i = 0; i < gateways.size(); i++) {
      if (!gateways.get(i).registryServiceName().isEmpty() && !network.holdsRegistry()) {
        String p = NodeReader.child(NodeReader.index(NodeReader.child(path, "gateways"), i), "registryServiceName");
        reader.warning(p, reader.position(p), "a gateway named by registryServiceName counts only in a network"
            + " whose endpoints include fromRegistry: " + MeshNetworks.REGISTRY + " (as in Istio); it is ignored");
      }
    }
    return network;
  }

  private static Gateway gateway(NodeReader reader, SourceNode node, String p) {
    MapReader r = reader.map(node, p, "a network gateway (address or registryServiceName, port)");
    if (r == null) {
      return null;
    }
    Gateway g = new Gateway(r.string("address"), r.string("registryServiceName"), r.port("port"),
        r.string("locality"));
    r.finish();
    if (g.address().isEmpty() == g.registryServiceName().isEmpty()) {
      reader.error(p, r.position(), "set exactly one of address (the gateway's IP) and registryServiceName (the"
          + " host of a service whose endpoints are the gateway)");
    } else if (!g.address().isEmpty() && !Addresses.isIp(g.address())) {
      reader.error(NodeReader.child(p, "address"), reader.position(NodeReader.child(p, "address")), "\""
          + g.address() + "\" is not an IP address; vmesh does not resolve gateway hostnames: write the gateway's IP,"
          + " or name its service with registryServiceName");
    } else if (!g.registryServiceName().isEmpty() && Names.fqdnProblem(g.registryServiceName()) != null) {
      reader.error(NodeReader.child(p, "registryServiceName"),
          reader.position(NodeReader.child(p, "registryServiceName")),
          Names.fqdnProblem(g.registryServiceName()));
    }
    if (g.port() == 0) {
      reader.error(NodeReader.child(p, "port"), r.position(), "a gateway needs its port (15443 for Istio's"
          + " cross-network gateway)");
    }
    return g;
  }
}

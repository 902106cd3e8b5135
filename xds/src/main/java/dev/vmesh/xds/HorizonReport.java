package dev.vmesh.xds;

import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.network.Networks;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code HorizonReport} is what the split horizon did to one proxy's EDS, for {@code /debug/syncz}: its
 * network and requested view, how many gateways the mesh has, and the endpoints its load assignments leave
 * out with the reason (at most {@value #MAX_LISTED}, and how many in all). Empty in a mesh with one network
 * (no gateway) for a proxy that asks for no view: nothing is left out there.
 *
 * @param dropped the first {@value #MAX_LISTED} endpoints left out, by cluster name
 * @param droppedTotal how many endpoints are left out in all
 */
public record HorizonReport(String network, List<String> requestedNetworkView, int gateways, List<Dropped> dropped,
    int droppedTotal) {
  /** Most endpoints listed per proxy. */
  public static final int MAX_LISTED = 100;

  public HorizonReport {
    requestedNetworkView = List.copyOf(requestedNetworkView);
    dropped = List.copyOf(dropped);
  }

  /** One endpoint left out of one cluster's assignment. */
  public record Dropped(String cluster, String address, int port, String network, String reason) {}

  /** The report for {@code proxy} subscribed to the EDS names {@code names}. */
  static HorizonReport of(Proxy proxy, Iterable<String> names, MeshView mesh) {
    Networks networks = mesh.networks();
    List<Dropped> listed = new ArrayList<>();
    int total = 0;
    if (networks.multiNetwork() || !proxy.requestedNetworkView().isEmpty()) {
      TreeSet<String> sorted = new TreeSet<>();
      names.forEach(sorted::add);
      for (String name : sorted) {
        MeshView.ServicePortRef ref = mesh.cluster(ClusterKey.ofName(name), proxy.namespace());
        if (ref == null || ref.service().resolution().isDns()) {
          continue;
        }
        for (SplitHorizon.Dropped d : EndpointType.split(proxy, mesh, ref).dropped()) {
          if (listed.size() < MAX_LISTED) {
            listed.add(new Dropped(name, d.endpoint().address(), d.endpoint().port(), d.network(), d.reason().text));
          }
          total++;
        }
      }
    }
    return new HorizonReport(proxy.network(), proxy.requestedNetworkView(), networks.all().size(), listed, total);
  }
}

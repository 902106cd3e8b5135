package dev.vmesh.xds;

import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.network.NetworkGateway;
import dev.vmesh.registry.network.Networks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * {@code SplitHorizon} decides, for one proxy and the endpoints of one cluster, which endpoints the proxy
 * reaches directly, which through its network's gateways, and which not at all, as Istio's EDS does
 * (istio-dataplane spec E.5):
 * <ol>
 *   <li>an endpoint of a network outside the proxy's {@code REQUESTED_NETWORK_VIEW} is left out;
 *   <li>every weight is multiplied by the networks' scale factor (saturating at a uint32);
 *   <li>an endpoint is kept as it is when the proxy is on its network (an empty network on either side
 *       counts as the same) or its network has no gateway; a proxy with no network is sent through the
 *       gateways of an endpoint whose network has them;
 *   <li>otherwise it needs a gateway of a family the proxy speaks and mTLS ({@code tlsMode: istio}), else
 *       it is left out; its weight is split evenly over the gateways;
 *   <li>each gateway that took weight becomes one endpoint {@code gatewayIP:port} in the same locality,
 *       weighted by the sum, with {@code tlsMode: istio}.
 * </ol>
 * Proxyless gRPC clients cannot cross a gateway (it routes by Istio's SNI and ALPN), so they get only the
 * endpoints they reach directly. What is left out, and why, is in {@link Result#dropped()}.
 */
final class SplitHorizon {
  private SplitHorizon() {}

  /** Why an endpoint is left out of a proxy's load assignment. */
  enum Reason {
    NOT_IN_NETWORK_VIEW("its network is not in the proxy's REQUESTED_NETWORK_VIEW"),
    NO_REACHABLE_GATEWAY("its network's gateways have no address of a family the proxy uses"),
    NOT_MTLS("it is on another network and does not take mTLS (tlsMode istio), which crossing a gateway needs"),
    PROXYLESS("it is on another network and a proxyless gRPC client cannot cross a network gateway");

    final String text;

    Reason(String text) {
      this.text = text;
    }
  }

  /** One endpoint of the assignment: a workload or a gateway. */
  record Target(String address, int port, boolean pipe, String locality, long weight, boolean mtls) {}

  /** One endpoint left out, the network it is on, and why. */
  record Dropped(Endpoint endpoint, String network, Reason reason) {}

  /** The endpoints of the assignment (gateways after the endpoints of their locality) and those left out. */
  record Result(List<Target> targets, List<Dropped> dropped) {}

  /**
   * Applies the rules to {@code endpoints} (those of one cluster that receive traffic, in order) for
   * {@code proxy}. {@code mtls} says which endpoints take mTLS (carry {@code tlsMode: istio}).
   */
  static Result apply(Proxy proxy, Networks networks, List<Endpoint> endpoints, Predicate<Endpoint> mtls) {
    List<String> view = proxy.requestedNetworkView();
    long scale = networks.scaleFactor();
    boolean v4 = proxy.ips().isEmpty() || proxy.ips().stream().anyMatch(ip -> ip.indexOf(':') < 0);
    boolean v6 = proxy.ips().isEmpty() || proxy.ips().stream().anyMatch(ip -> ip.indexOf(':') >= 0);
    List<Target> out = new ArrayList<>();
    List<Dropped> dropped = new ArrayList<>();
    // per locality, in the order localities first appear: gateway -> accumulated weight
    Map<String, Map<NetworkGateway, Long>> viaGateways = new LinkedHashMap<>();
    Map<String, List<Target>> byLocality = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      String network = networks.networkOf(e.network(), e.address());
      byLocality.computeIfAbsent(e.locality(), l -> new ArrayList<>());
      if (!view.isEmpty() && !network.isEmpty() && !view.contains(network)) {
        dropped.add(new Dropped(e, network, Reason.NOT_IN_NETWORK_VIEW));
        continue;
      }
      long weight = Math.min(EnvoyProtos.MAX_WEIGHT, Math.max(1, e.weight()) * scale);
      List<NetworkGateway> gateways = networks.gateways(network);
      boolean sameNetwork = proxy.network().isEmpty() || network.isEmpty() || proxy.network().equals(network);
      boolean forced = proxy.network().isEmpty() && !network.isEmpty() && !gateways.isEmpty();
      if (!forced && (sameNetwork || gateways.isEmpty())) {
        byLocality.get(e.locality()).add(new Target(e.address(), e.port(), EnvoyProtos.isPipe(e), e.locality(), weight,
            mtls.test(e)));
        continue;
      }
      if (proxy.proxyless()) {
        dropped.add(new Dropped(e, network, Reason.PROXYLESS));
        continue;
      }
      List<NetworkGateway> reachable = gateways.stream().filter(g -> g.ipv6() ? v6 : v4).toList();
      if (reachable.isEmpty()) {
        dropped.add(new Dropped(e, network, Reason.NO_REACHABLE_GATEWAY));
        continue;
      }
      if (!mtls.test(e)) {
        dropped.add(new Dropped(e, network, Reason.NOT_MTLS));
        continue;
      }
      split(weight, reachable, viaGateways.computeIfAbsent(e.locality(), l -> new TreeMap<>(NetworkGateway.ORDER)));
    }
    byLocality.forEach((locality, targets) -> {
      out.addAll(targets);
      viaGateways.getOrDefault(locality, Map.of()).forEach((g, w) -> out.add(new Target(g.address(), g.port(),
          false, locality, Math.max(1, w), true)));
    });
    return new Result(List.copyOf(out), List.copyOf(dropped));
  }

  /**
   * Spreads {@code weight} over {@code gateways} evenly by integer division; when there is less weight than
   * gateways, the first ones get 1 each until it is used up.
   */
  static void split(long weight, List<NetworkGateway> gateways, Map<NetworkGateway, Long> into) {
    long remaining = weight;
    while (remaining > 0) {
      long each = Math.max(1, remaining / gateways.size());
      for (NetworkGateway g : gateways) {
        into.merge(g, each, (a, b) -> Math.min(EnvoyProtos.MAX_WEIGHT, a + b));
        remaining -= each;
        if (remaining == 0) {
          break;
        }
      }
    }
  }
}

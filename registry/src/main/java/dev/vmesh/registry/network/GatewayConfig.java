package dev.vmesh.registry.network;

import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.VirtualServiceSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code GatewayConfig} is an immutable snapshot of the Gateways and VirtualServices in the mesh, oldest
 * first (creation time, then namespace and name, as istiod orders them when servers of several Gateways
 * compete for one port), for the router proxies' config. Any thread may read it.
 */
public final class GatewayConfig {
  /** Neither Gateways nor VirtualServices. */
  public static final GatewayConfig NONE = new GatewayConfig(List.of(), List.of());

  private static final Comparator<Resource> OLDEST_FIRST = Comparator
      .comparing((Resource r) -> r.metadata().creationTimestamp(), Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(Resource::namespace).thenComparing(Resource::name);

  private final List<Resource> gateways;
  private final List<Resource> virtualServices;

  private GatewayConfig(List<Resource> gateways, List<Resource> virtualServices) {
    this.gateways = gateways;
    this.virtualServices = virtualServices;
  }

  /** A snapshot of {@code objects}' Gateways and VirtualServices. */
  static GatewayConfig of(Map<ResourceKey, Resource> objects) {
    List<Resource> gws = new ArrayList<>();
    List<Resource> vss = new ArrayList<>();
    for (Resource r : objects.values()) {
      (r.kind() == Kind.GATEWAY ? gws : vss).add(r);
    }
    gws.sort(OLDEST_FIRST);
    vss.sort(OLDEST_FIRST);
    return new GatewayConfig(List.copyOf(gws), List.copyOf(vss));
  }

  /** The Gateways whose selector matches {@code labels} (a selector of no labels matches none), oldest first. */
  public List<Resource> gatewaysFor(Map<String, String> labels) {
    List<Resource> out = new ArrayList<>();
    for (Resource g : gateways) {
      Map<String, String> selector = g.spec(GatewaySpec.class).selector();
      if (!selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet())) {
        out.add(g);
      }
    }
    return out;
  }

  /**
   * The VirtualServices bound to Gateway {@code gateway} ({@code gateways} naming it as {@code ns/name}, or as
   * {@code name} from its own namespace), oldest first.
   */
  public List<Resource> virtualServicesFor(Resource gateway) {
    List<Resource> out = new ArrayList<>();
    String qualified = gateway.namespace() + "/" + gateway.name();
    for (Resource vs : virtualServices) {
      for (String g : vs.spec(VirtualServiceSpec.class).gateways()) {
        if (g.equals(qualified) || g.equals(gateway.name()) && vs.namespace().equals(gateway.namespace())) {
          out.add(vs);
          break;
        }
      }
    }
    return out;
  }

  /** Every Gateway, oldest first. */
  public List<Resource> gateways() {
    return gateways;
  }

  /** Every VirtualService, oldest first. */
  public List<Resource> virtualServices() {
    return virtualServices;
  }

  /** Keeps the objects as they come and go; owned by the registry's update thread. */
  public static final class Index {
    private final Map<ResourceKey, Resource> objects = new TreeMap<>();
    private volatile GatewayConfig snapshot = NONE;

    /** Adds or replaces a Gateway or VirtualService; true when the snapshot changed. */
    public boolean upsert(Resource r) {
      Resource old = objects.put(r.key(), r);
      if (old != null && old.spec().equals(r.spec())
          && Objects.equals(old.metadata().creationTimestamp(), r.metadata().creationTimestamp())) {
        return false;
      }
      snapshot = of(objects);
      return true;
    }

    /** Removes one; true when it was there. */
    public boolean delete(ResourceKey key) {
      if (objects.remove(key) == null) {
        return false;
      }
      snapshot = of(objects);
      return true;
    }

    public GatewayConfig snapshot() {
      return snapshot;
    }
  }
}

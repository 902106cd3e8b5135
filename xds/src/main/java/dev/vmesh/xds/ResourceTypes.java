package dev.vmesh.xds;

import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ResourceTypes} is the list of resource types a server serves, in push order: a full push sends
 * a proxy's types in the order their URLs first appear here (clusters before endpoints, listeners
 * before routes, as Envoy wants them). Adding a type is one class and one entry in {@link #ALL}.
 */
final class ResourceTypes {
  /** What vmesh serves. */
  static final ResourceTypes ALL = new ResourceTypes(List.of(
      new GrpcClusterType(),
      new SidecarClusterType(),
      new RouterClusterType(),
      new EndpointType(),
      new RouterEndpointType(),
      new GrpcListenerType(),
      new GrpcInboundListenerType(),
      new SidecarListenerType(),
      new RouterListenerType(),
      new GrpcRouteType(),
      new SidecarRouteType(),
      new NameTableType()));

  private final List<ResourceType> all;
  private final List<String> urls;
  private final JsonFormat.TypeRegistry jsonTypes;

  ResourceTypes(List<ResourceType> types) {
    this.all = List.copyOf(types);
    Map<String, ResourceType> first = new LinkedHashMap<>();
    for (ResourceType t : all) {
      ResourceType f = first.putIfAbsent(t.typeUrl(), t);
      if (f != null && !f.xdsType().equals(t.xdsType())) {
        throw new IllegalArgumentException(t.getClass().getSimpleName() + " and " + f.getClass().getSimpleName()
            + " share " + t.typeUrl() + " but not its XdsType");
      }
    }
    this.urls = List.copyOf(first.keySet());
    JsonFormat.TypeRegistry.Builder json = JsonFormat.TypeRegistry.newBuilder();
    all.forEach(t -> json.add(t.xdsType().message()).add(t.messages()));
    this.jsonTypes = json.build();
  }

  /** Every type, in push order. */
  List<ResourceType> all() {
    return all;
  }

  /** Every message the types' resources are made of, for printing them as JSON. */
  JsonFormat.TypeRegistry jsonTypes() {
    return jsonTypes;
  }

  /** The type URLs served, in push order. */
  List<String> urls() {
    return urls;
  }

  /** The types that serve {@code proxy} the URL {@code typeUrl} (empty when none does). */
  List<ResourceType> serving(String typeUrl, Proxy proxy) {
    List<ResourceType> out = new ArrayList<>(1);
    for (ResourceType t : all) {
      if (t.typeUrl().equals(typeUrl) && t.serves(proxy)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The URLs served to {@code proxy}, in push order, for error messages. */
  Set<String> urlsFor(Proxy proxy) {
    Set<String> out = new LinkedHashSet<>();
    for (ResourceType t : all) {
      if (t.serves(proxy)) {
        out.add(t.typeUrl());
      }
    }
    return out;
  }
}

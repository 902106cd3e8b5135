package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.registry.ServiceChange;
import java.util.List;
import java.util.Set;

/**
 * {@code ResourceType} is one kind of xDS resource for one kind of proxy, with every rule about it in
 * one place: what it is on the wire, which proxies get it, how it is built, and which changes touch it.
 * The protocol code ({@link Connection} and its subclasses, {@link XdsServer}) never names a type; it
 * asks the types in {@link ResourceTypes}. Implementations are stateless; caching is done by
 * {@link ResourceCache} using {@link #cacheVariant}.
 *
 * <p>Several types may share a type URL: each serves its own proxies ({@link #serves}), and where more
 * than one serves the same proxy, each owns its own resource names ({@link #owns}); a subscription to
 * the URL then covers all of them. Types sharing a URL share its {@link XdsType}.
 */
interface ResourceType {
  /** What this type is on the wire: type URL, short name, full state or not. */
  XdsType xdsType();

  /** The type URL requests and responses carry. */
  default String typeUrl() {
    return xdsType().typeUrl();
  }

  /** {@code cds}, {@code eds}, ...: the name of the type in metrics, logs and {@code /debug/syncz}. */
  default String shortName() {
    return xdsType().shortName();
  }

  /** Whether a state-of-the-world response carries the proxy's whole subscription ({@link XdsType#fullState}). */
  default boolean fullState() {
    return xdsType().fullState();
  }

  /**
   * The messages this type packs into {@code Any} fields of its resources (filters, transport sockets),
   * beyond the resource's own message, so {@code /debug/config_dump} can print them as JSON.
   */
  default List<Descriptor> messages() {
    return List.of();
  }

  /** Whether {@code proxy} gets its resources of this type URL from this type. */
  boolean serves(Proxy proxy);

  /** Whether {@code name} is one of this type's, when several types serve one proxy the same type URL. */
  default boolean owns(String name) {
    return true;
  }

  /** The names a wildcard subscription of {@code proxy} covers. */
  Set<String> wildcardNames(Proxy proxy, MeshView mesh);

  /** The resource named {@code name} as {@code proxy} should see it, or null if it does not exist for it. */
  XdsResource generate(Proxy proxy, String name, MeshView mesh);

  /**
   * Proxies with the same variant get byte-identical resources for the same name (including "does not
   * exist"), so one generated copy serves them all. Visibility depends on the namespace, so it is part
   * of every variant.
   */
  default String cacheVariant(Proxy proxy) {
    return proxy.namespace();
  }

  /**
   * The variant of one name, for a type whose names do not all depend on the same facts about the proxy
   * (a sidecar's outbound listeners depend on its namespace, its inbound listener on its addresses too):
   * the narrower the variant, the more proxies share one generated copy.
   */
  default String cacheVariant(Proxy proxy, String name) {
    return cacheVariant(proxy);
  }

  /**
   * Whether what this type generates for a proxy depends on its Sidecar ({@link MeshView#scope}): then the cache
   * keeps a copy per scope as well as per {@link #cacheVariant}.
   */
  default boolean scoped() {
    return false;
  }

  /**
   * Adds the names of this type whose content a change to one service may have changed (or that it
   * removed): the cache drops them, and connections resend them to the proxies that have them.
   */
  void touchedBy(ServiceChange change, Set<String> names);

  /** Adds the names of this type that depend on the DNS name table, when it changed. */
  default void touchedByNameTable(Set<String> names) {}

  /**
   * Whether {@code request} changes this type for {@code proxy} beyond the names it touched: then the
   * proxy's whole subscription is recomputed (the names its wildcard covers may have changed). Read
   * for every connection on every push, so it must be cheap.
   */
  default boolean affects(PushRequest request, Proxy proxy) {
    return false;
  }

  /** Whether {@code request} makes every cached resource of this type stale, not only the names touched. */
  default boolean staleAll(PushRequest request) {
    return false;
  }

  /**
   * The names whose cached copies (every variant) {@code request} makes stale beyond those it touched,
   * without resending them to anyone: the proxies it {@link #affects} recompute theirs.
   */
  default Set<String> staleNames(PushRequest request) {
    return Set.of();
  }
}

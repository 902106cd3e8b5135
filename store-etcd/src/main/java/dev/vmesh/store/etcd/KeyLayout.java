package dev.vmesh.store.etcd;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.StoreException;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code KeyLayout} maps objects to etcd keys: {@code <prefix><resource>/<namespace>/<name>}, like the
 * Kubernetes API server's {@code /registry/...} keys. The resource is the kind's plural for Istio's
 * networking kinds ({@code /vmesh/workloadentries/ns1/vm1}, the layout from before there were other
 * groups) and the plural qualified by its group for any other group
 * ({@code /vmesh/peerauthentications.security.istio.io/ns1/default}), so kinds of the same plural in two
 * groups never share keys. A kind or a namespace is then a key prefix, so lists and watches read only
 * what they need.
 */
final class KeyLayout {
  private final String prefix;

  KeyLayout(String prefix) {
    this.prefix = prefix;
  }

  String prefix() {
    return prefix;
  }

  ByteSequence key(ResourceKey k) {
    for (String part : List.of(k.namespace(), k.name())) {
      if (part.contains("/")) {
        throw new StoreException.Invalid(k, List.of(Problem.error(part.equals(k.name()) ? "metadata.name"
            : "metadata.namespace", "\"" + part + "\" must not contain '/'")));
      }
    }
    return bytes(prefix + resource(k.kind()) + "/" + k.namespace() + "/" + k.name());
  }

  /** The narrowest prefix holding every object of {@code kinds} (all when empty) in {@code namespace} (or all). */
  ByteSequence range(Set<Kind> kinds, String namespace) {
    if (kinds.size() != 1) {
      return bytes(prefix);
    }
    Kind kind = kinds.iterator().next();
    return bytes(prefix + resource(kind) + "/" + (namespace == null ? "" : namespace + "/"));
  }

  /** The object a key names, or empty for keys under the prefix that are not vmesh objects. */
  Optional<ResourceKey> parse(ByteSequence key) {
    String s = key.toString(StandardCharsets.UTF_8);
    if (!s.startsWith(prefix)) {
      return Optional.empty();
    }
    String[] parts = s.substring(prefix.length()).split("/", -1);
    if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
      return Optional.empty();
    }
    for (Kind k : Kind.values()) {
      if (resource(k).equals(parts[0])) {
        return Optional.of(new ResourceKey(k, parts[1], parts[2]));
      }
    }
    return Optional.empty();
  }

  /** The key segment naming {@code kind}: its plural, qualified by its group outside networking.istio.io. */
  static String resource(Kind kind) {
    return kind.group().equals(Kind.NETWORKING) ? kind.plural() : kind.crdName();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}

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
 * {@code KeyLayout} maps objects to etcd keys: {@code <prefix><plural>/<namespace>/<name>}, e.g.
 * {@code /vmesh/workloadentries/ns1/vm1}, like the Kubernetes API server's {@code /registry/...} keys.
 * A kind or a namespace is then a key prefix, so lists and watches read only what they need.
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
    return bytes(prefix + k.kind().plural() + "/" + k.namespace() + "/" + k.name());
  }

  /** The narrowest prefix holding every object of {@code kinds} (all when empty) in {@code namespace} (or all). */
  ByteSequence range(Set<Kind> kinds, String namespace) {
    if (kinds.size() != 1) {
      return bytes(prefix);
    }
    Kind kind = kinds.iterator().next();
    return bytes(prefix + kind.plural() + "/" + (namespace == null ? "" : namespace + "/"));
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
      if (k.plural().equals(parts[0])) {
        return Optional.of(new ResourceKey(k, parts[1], parts[2]));
      }
    }
    return Optional.empty();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}

package dev.vmesh.registry.security;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * {@code PeerAuthenticationIndex} keeps the current {@link PeerAuthentications} snapshot in step with store
 * updates and says what each update changed. One thread updates it (the registry's); any thread may read
 * {@link #snapshot()}.
 */
public final class PeerAuthenticationIndex {
  private volatile PeerAuthentications current;

  /** An index with no policies yet, for a mesh whose root namespace is {@code rootNamespace}. */
  public PeerAuthenticationIndex(String rootNamespace) {
    this.current = PeerAuthentications.empty(rootNamespace);
  }

  /** The current snapshot. */
  public PeerAuthentications snapshot() {
    return current;
  }

  /** Takes the policies among {@code resources} at once (other kinds are skipped). */
  public PolicyChange load(Collection<Resource> resources) {
    List<PeerAuthenticationPolicy> policies = new ArrayList<>();
    for (Resource r : resources) {
      if (r.kind() == Kind.PEER_AUTHENTICATION) {
        policies.add(PeerAuthenticationPolicy.of(r));
      }
    }
    PeerAuthentications before = current;
    if (policies.isEmpty() && before.size() == 0) {
      return PolicyChange.NONE;
    }
    current = PeerAuthentications.of(before.rootNamespace(), policies);
    return new PolicyChange(before, current, true, Set.of());
  }

  /** Adds or replaces a PeerAuthentication. */
  public PolicyChange upsert(Resource r) {
    PeerAuthenticationPolicy next = PeerAuthenticationPolicy.of(r);
    PeerAuthentications before = current;
    PeerAuthenticationPolicy old = before.get(next.namespace(), next.name()).orElse(null);
    if (next.equals(old)) {
      return PolicyChange.NONE;
    }
    current = before.with(next);
    return PolicyChange.of(before, current, old, next);
  }

  /** Removes a PeerAuthentication (nothing if there is none by that key). */
  public PolicyChange delete(ResourceKey key) {
    PeerAuthentications before = current;
    PeerAuthenticationPolicy old = before.get(key.namespace(), key.name()).orElse(null);
    if (old == null) {
      return PolicyChange.NONE;
    }
    current = before.without(key.namespace(), key.name());
    return PolicyChange.of(before, current, old, null);
  }
}

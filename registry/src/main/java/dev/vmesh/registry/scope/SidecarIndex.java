package dev.vmesh.registry.scope;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code SidecarIndex} keeps the Sidecars on the registry's update thread and publishes an immutable
 * {@link Sidecars} snapshot after each change. Every stored change of a Sidecar's spec (or creation time) gets a new
 * revision, so scopes built from it compare unequal to those of the old one.
 */
public final class SidecarIndex {
  private final String rootNamespace;
  private final Map<ResourceKey, Resource> objects = new HashMap<>();
  private final Map<ResourceKey, CompiledSidecar> compiled = new HashMap<>();
  private long revision;
  private volatile Sidecars snapshot = Sidecars.NONE;

  public SidecarIndex(String rootNamespace) {
    this.rootNamespace = rootNamespace;
  }

  /** Adds or replaces a Sidecar; the change, NONE when only metadata other than creation time changed. */
  public SidecarChange upsert(Resource r) {
    Resource old = objects.put(r.key(), r);
    if (old != null && old.spec().equals(r.spec())
        && Objects.equals(old.metadata().creationTimestamp(), r.metadata().creationTimestamp())) {
      return SidecarChange.NONE;
    }
    compiled.put(r.key(), CompiledSidecar.of(r, ++revision));
    return publish();
  }

  public SidecarChange delete(ResourceKey key) {
    if (objects.remove(key) == null) {
      return SidecarChange.NONE;
    }
    compiled.remove(key);
    return publish();
  }

  /** Takes every Sidecar of {@code resources} (the initial load). */
  public SidecarChange load(Collection<Resource> resources) {
    boolean any = false;
    for (Resource r : resources) {
      if (r.kind() == Kind.SIDECAR) {
        objects.put(r.key(), r);
        compiled.put(r.key(), CompiledSidecar.of(r, ++revision));
        any = true;
      }
    }
    return any ? publish() : SidecarChange.NONE;
  }

  public Sidecars snapshot() {
    return snapshot;
  }

  private SidecarChange publish() {
    Sidecars before = snapshot;
    snapshot = Sidecars.of(compiled.values(), rootNamespace);
    return new SidecarChange(before, snapshot);
  }
}

package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.DecodeException;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.ListResult;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import dev.vmesh.store.WriteChecks;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code KubeConfigStore} keeps vmesh's objects as Istio's custom resources in a Kubernetes cluster,
 * each in its own namespace. Reads and watches are served from informers (one per kind, all
 * namespaces); writes go to the API server, which checks resourceVersions (a stale one is a
 * {@link StoreException.Conflict}), keeps status behind the status subresource and counts spec changes
 * in {@code generation}. A write returns once the informers have seen it, so a read right after it
 * sees the write.
 */
public final class KubeConfigStore implements ConfigStore {
  private static final Logger LOG = LoggerFactory.getLogger(KubeConfigStore.class);
  private static final int WRITE_ATTEMPTS = 10;

  private final KubernetesClient client;
  private final boolean ownsClient;
  private final KubeStoreOptions options;
  private final IstioCrds crds;
  private final KubeCache cache;
  private final KubeInformers informers;
  private final WriteChecks checks;

  private KubeConfigStore(KubernetesClient client, boolean ownsClient, KubeStoreOptions options, IstioCrds crds) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.options = options;
    this.checks = new WriteChecks(options.validate());
    this.crds = crds;
    this.cache = new KubeCache(options.historyLimit(), options.watchQueueCapacity());
    this.informers = new KubeInformers(client, crds, cache);
  }

  /** The client this store talks to Kubernetes with (leadership and shared blobs use it too). */
  public KubernetesClient client() {
    return client;
  }

  /**
   * Finds Istio's CRDs in the cluster, starts the informers and waits for their first list. With
   * {@code ownsClient} the store closes the client when it closes.
   */
  public static KubeConfigStore connect(KubernetesClient client, boolean ownsClient, KubeStoreOptions options) {
    IstioCrds crds;
    try {
      crds = IstioCrds.discover(client);
    } catch (RuntimeException e) {
      if (ownsClient) {
        client.close();
      }
      throw e instanceof KubernetesClientException k ? KubeErrors.map(k, "find Istio's CRDs", null) : e;
    }
    KubeConfigStore store = new KubeConfigStore(client, ownsClient, options, crds);
    try {
      store.informers.start(options.syncTimeout());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    LOG.info("event=kube_store_ready server={} crds={} objects={}", client.getMasterUrl(), crds.describe(),
        store.cache.list(ListOptions.all()).items().size());
    return store;
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    return cache.entry(key).map(KubeCache.Entry::resource);
  }

  @Override
  public ListResult list(ListOptions o) {
    return cache.list(o);
  }

  @Override
  public Resource create(Resource r) {
    checks.check(r);
    GenericKubernetesResource body = readable(r.key(), KubeObjects.forCreate(r, crds.apiVersion(r.kind())));
    GenericKubernetesResource created;
    try {
      created = api(r.kind()).inNamespace(r.namespace()).resource(body).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new StoreException.AlreadyExists(r.key(), "");
      }
      throw KubeErrors.map(e, "create", r.key());
    }
    return visible(decode(r.key(), created));
  }

  @Override
  public Resource update(Resource r) {
    checks.check(r);
    return write(r.key(), r.resourceVersion(), base -> sameMetadataAndSpec(base.resource(), r), base -> {
      GenericKubernetesResource body = readable(r.key(), KubeObjects.forUpdate(base.raw(), r, base.resourceVersion()));
      return resource(r.key(), body).lockResourceVersion(base.resourceVersion()).update();
    });
  }

  @Override
  public Resource updateStatus(Resource r) {
    return write(r.key(), r.resourceVersion(), base -> base.resource().status().equals(r.status()), base -> {
      GenericKubernetesResource body = readable(r.key(), KubeObjects.forStatus(base.raw(), r, base.resourceVersion()));
      return resource(r.key(), body).lockResourceVersion(base.resourceVersion()).updateStatus();
    });
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions pre) {
    for (int attempt = 1; ; attempt++) {
      KubeCache.Entry current = current(key, pre.resourceVersion(), attempt > 1);
      if (!pre.uid().isEmpty() && !pre.uid().equals(current.uid())) {
        throw new StoreException(409, key + " has uid " + current.uid() + ", not " + pre.uid()
            + ": it was deleted and created again");
      }
      try {
        var deleted = api(key.kind()).inNamespace(key.namespace()).withName(key.name())
            .lockResourceVersion(current.resourceVersion()).delete();
        if (deleted.isEmpty()) {
          throw new StoreException.NotFound(key);
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 && pre.resourceVersion().isEmpty() && attempt < WRITE_ATTEMPTS) {
          continue;
        }
        throw e.getCode() == 409 ? conflict(key, current.resourceVersion()) : KubeErrors.map(e, "delete", key);
      }
      if (!cache.awaitGone(key, current.uid(), options.visibilityTimeout())) {
        lagging(key, "deletion");
      }
      return current.resource();
    }
  }

  @Override
  public Watch watch(WatchOptions options, WatchListener listener) {
    return cache.watch(options, listener);
  }

  @Override
  public String describe() {
    return "kubernetes:" + client.getMasterUrl() + " (" + crds.describe() + ")";
  }

  @Override
  public void close() {
    informers.close();
    cache.close();
    if (ownsClient) {
      client.close();
    }
  }

  /** One write attempt against {@code base}, the current object. */
  @FunctionalInterface
  private interface Attempt {
    GenericKubernetesResource run(KubeCache.Entry base);
  }

  @FunctionalInterface
  private interface Unchanged {
    boolean test(KubeCache.Entry base);
  }

  /**
   * Writes against the current object: {@code resourceVersion} must be its version (or empty for
   * "whatever is there", then conflicts are retried); nothing is sent when the change is a no-op.
   */
  private Resource write(ResourceKey key, String resourceVersion, Unchanged unchanged, Attempt attempt) {
    for (int n = 1; ; n++) {
      KubeCache.Entry base = current(key, resourceVersion, n > 1);
      if (unchanged.test(base)) {
        return base.resource();
      }
      try {
        return visible(decode(key, attempt.run(base)));
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409 && resourceVersion.isEmpty() && n < WRITE_ATTEMPTS) {
          continue;
        }
        throw e.getCode() == 409 ? conflict(key, base.resourceVersion()) : KubeErrors.map(e, "update", key);
      }
    }
  }

  /**
   * The object to write against: the cached one when it has the wanted version (or any, for an empty
   * one) unless {@code fromServer} (after a conflict), else the server's. NotFound if there is none;
   * Conflict if the server has another version.
   */
  private KubeCache.Entry current(ResourceKey key, String resourceVersion, boolean fromServer) {
    Optional<KubeCache.Entry> cached = fromServer ? Optional.empty() : cache.entry(key);
    if (cached.isPresent() && (resourceVersion.isEmpty() || resourceVersion.equals(cached.get().resourceVersion()))) {
      return cached.get();
    }
    GenericKubernetesResource raw;
    try {
      raw = api(key.kind()).inNamespace(key.namespace()).withName(key.name()).get();
    } catch (KubernetesClientException e) {
      throw KubeErrors.map(e, "get", key);
    }
    if (raw == null) {
      throw new StoreException.NotFound(key);
    }
    KubeCache.Entry fresh = new KubeCache.Entry(decode(key, raw), raw);
    if (!resourceVersion.isEmpty() && !resourceVersion.equals(fresh.resourceVersion())) {
      throw new StoreException.Conflict(key, resourceVersion, fresh.resourceVersion());
    }
    return fresh;
  }

  private StoreException conflict(ResourceKey key, String sent) {
    String now = cache.entry(key).map(KubeCache.Entry::resourceVersion).filter(v -> !v.equals(sent))
        .orElse("(a newer one on the API server)");
    return new StoreException.Conflict(key, sent, now);
  }

  /** Waits until the informer has seen {@code written}, then returns it. */
  private Resource visible(Resource written) {
    if (!cache.awaitSeen(written.kind(), written.resourceVersion(), options.visibilityTimeout())) {
      lagging(written.key(), "resourceVersion " + written.resourceVersion());
    }
    return written;
  }

  private void lagging(ResourceKey key, String what) {
    LOG.warn("event=kube_informer_lagging object={} waitedFor=\"{}\" timeout={} note=\"the write succeeded; reads"
        + " may not show it yet\"", key, what, options.visibilityTimeout());
  }

  private static boolean sameMetadataAndSpec(Resource current, Resource next) {
    return current.spec().equals(next.spec())
        && current.metadata().labels().equals(next.metadata().labels())
        && current.metadata().annotations().equals(next.metadata().annotations())
        && current.metadata().ownerReferences().equals(next.metadata().ownerReferences());
  }

  private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> api(Kind kind) {
    return client.genericKubernetesResources(crds.context(kind));
  }

  private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(ResourceKey key, GenericKubernetesResource body) {
    return api(key.kind()).inNamespace(key.namespace()).resource(body);
  }

  /** The server's object as vmesh reads it; Invalid (naming what vmesh cannot read) otherwise. */
  private static Resource decode(ResourceKey key, GenericKubernetesResource raw) {
    try {
      return KubeObjects.toResource(raw);
    } catch (DecodeException e) {
      throw new StoreException.Invalid(key, e.problems());
    }
  }

  /**
   * {@code body} if vmesh can read it back; Invalid otherwise (e.g. status fields the kind does not
   * have), so that nothing unreadable is ever written to the cluster.
   */
  private static GenericKubernetesResource readable(ResourceKey key, GenericKubernetesResource body) {
    try {
      KubeObjects.toResource(body);
      return body;
    } catch (DecodeException e) {
      throw new StoreException.Invalid(key, e.problems());
    }
  }

}

package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code KubeInformers} runs one fabric8 informer per kind over all namespaces and feeds their events
 * (adds, updates, deletes, and the start of every list) into the {@link KubeCache}.
 */
final class KubeInformers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubeInformers.class);
  private final KubernetesClient client;
  private final IstioCrds crds;
  private final KubeCache cache;
  private final Map<Kind, SharedIndexInformer<GenericKubernetesResource>> informers = new EnumMap<>(Kind.class);
  private volatile boolean closed;

  KubeInformers(KubernetesClient client, IstioCrds crds, KubeCache cache) {
    this.client = client;
    this.crds = crds;
    this.cache = cache;
  }

  /** Starts every informer and waits until each has listed once; Unavailable if that takes over {@code timeout}. */
  void start(Duration timeout) {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      SharedIndexInformer<GenericKubernetesResource> informer =
          client.genericKubernetesResources(crds.context(kind)).inAnyNamespace().runnableInformer(0);
      informer.addEventHandler(new Handler(kind));
      // after the first list, keep retrying whatever fails (fabric8 would stop on some watch errors)
      informer.exceptionHandler((isStarted, t) -> isStarted);
      informer.stopped().whenComplete((v, t) -> {
        if (t != null && !closed) {
          LOG.error("event=kube_informer_stopped kind={} error={}", kind.plural(), t.toString());
        }
      });
      informers.put(kind, informer);
      started.add(informer.start().toCompletableFuture());
    }
    try {
      CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof KubernetesClientException k ? KubeErrors.map(k, "list Istio's objects", null)
          : new StoreException.Unavailable("Kubernetes informers failed to start: " + cause, cause);
    } catch (TimeoutException e) {
      throw new StoreException.Unavailable("Kubernetes did not answer the first list of " + pending()
          + " within " + timeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while listing Istio's objects", e);
    }
    if (!cache.awaitSynced(timeout)) {
      throw new StoreException.Unavailable("Kubernetes informers did not sync within " + timeout.toSeconds() + " s",
          null);
    }
  }

  private String pending() {
    List<String> names = new ArrayList<>();
    informers.forEach((k, i) -> {
      if (!i.hasSynced()) {
        names.add(k.plural());
      }
    });
    return String.join(", ", names);
  }

  @Override
  public void close() {
    closed = true;
    informers.values().forEach(SharedIndexInformer::stop);
  }

  /** Passes one kind's informer events on to the cache. */
  private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    private final Kind kind;

    Handler(Kind kind) {
      this.kind = kind;
    }

    @Override
    public void onBeforeList(String lastSyncResourceVersion) {
      cache.listing(kind, lastSyncResourceVersion);
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      cache.listed(kind, resourceVersion);
    }

    @Override
    public void onAdd(GenericKubernetesResource obj) {
      cache.upsert(kind, obj);
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
      cache.upsert(kind, newObj);
    }

    @Override
    public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
      cache.remove(kind, obj);
    }
  }
}

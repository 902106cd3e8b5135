package dev.vmesh.store;

import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LayeredConfigStore} puts read-only file config under writable durable state: objects from the
 * config directory are mirrored into the durable store (marked with the {@value #SOURCE_ANNOTATION}
 * annotation), so there is one version sequence and one watch stream, and status written for a file
 * object (such as allocated addresses) is kept across restarts. Writes through this store may change the
 * status of any object, but the spec of file objects only by editing their file.
 *
 * <p>When a file disappears its objects are deleted; when a file turns invalid its objects keep their
 * last good content, also across restarts.
 */
public final class LayeredConfigStore implements ConfigStore {
  private static final Logger LOG = LoggerFactory.getLogger(LayeredConfigStore.class);
  /** Annotation on mirrored objects: the file they come from, relative to the config directory. */
  public static final String SOURCE_ANNOTATION = "vmesh.dev/config-file";

  private final FileConfigStore files;
  private final ConfigStore durable;
  private final CountDownLatch synced = new CountDownLatch(1);
  /** Set when a file change could not be written (the store could not write): mirror again once it can. */
  private final AtomicBoolean behind = new AtomicBoolean();
  private final Object mirrorLock = new Object();
  // Guarded by mirrorLock.
  private Watch mirror;
  private boolean closed;

  public LayeredConfigStore(FileConfigStore files, ConfigStore durable) {
    this.files = files;
    this.durable = durable;
    synchronized (mirrorLock) {
      this.mirror = startMirror();
    }
  }

  /** Mirrors the files from their current state: every object put again (no-ops if unchanged), then stale ones dropped. */
  private Watch startMirror() {
    return files.watch(WatchOptions.fromCurrentState(), new WatchListener() {
      @Override
      public void onEvent(WatchEvent e) {
        mirror(e);
      }

      @Override
      public void onClose(StoreException cause) {
        LOG.error("event=config_mirror_stopped error={}", cause.getMessage());
      }
    });
  }

  /** Waits until the files' current content has been mirrored; true if it was within {@code seconds}. */
  public boolean awaitSynced(long seconds) throws InterruptedException {
    return synced.await(seconds, TimeUnit.SECONDS);
  }

  public FileConfigStore files() {
    return files;
  }

  /** Problems of the config files, as {@link FileConfigStore#problems()}. */
  public List<Problem> fileProblems() {
    return files.problems();
  }

  private void mirror(WatchEvent e) {
    try {
      switch (e.type()) {
        case ADDED, MODIFIED -> put(e.object());
        case DELETED -> remove(e.object().key());
        case SYNCED -> {
          collectGarbage();
          synced.countDown();
          LOG.info("event=config_files_synced dir={} objects={}", files.root(),
              files.list(ListOptions.all()).items().size());
        }
      }
    } catch (StoreException ex) {
      // only a store that reports itself unwritable (full disk, etcd's quota) says when it can write again;
      // an unreachable etcd is not one, and mirroring again at every health check would only add load
      if (ex instanceof StoreException.Unavailable && !durable.health().writable()) {
        behind.set(true);
      }
      LOG.error("event=config_mirror_failed object={} error={}", e.object(), ex.getMessage());
    }
  }

  private void put(Resource fromFile) {
    String source = files.sourceOf(fromFile.key()).map(p -> files.root().relativize(p).toString()).orElse("?");
    Map<String, String> annotations = new HashMap<>(fromFile.metadata().annotations());
    annotations.put(SOURCE_ANNOTATION, source);
    Resource desired = fromFile.withMetadata(fromFile.metadata().withAnnotations(annotations).withResourceVersion(""));
    for (int attempt = 0; ; attempt++) {
      Optional<Resource> current = durable.get(desired.key());
      try {
        if (current.isEmpty()) {
          durable.create(desired);
        } else {
          if (!isFromFile(current.get())) {
            LOG.warn("event=config_file_takes_over object={} file={}", desired.key(), source);
          }
          durable.update(desired.withMetadata(desired.metadata().withResourceVersion(current.get().resourceVersion())));
        }
        return;
      } catch (StoreException.Conflict | StoreException.AlreadyExists | StoreException.NotFound race) {
        if (attempt >= 10) {
          throw race;
        }
      }
    }
  }

  private void remove(ResourceKey key) {
    durable.get(key).filter(LayeredConfigStore::isFromFile).ifPresent(r -> {
      try {
        durable.delete(key, Preconditions.resourceVersion(r.resourceVersion()));
      } catch (StoreException.NotFound | StoreException.Conflict ignored) {
        // deleted or changed meanwhile; the next event decides
      }
    });
  }

  /** Deletes mirrored objects whose file no longer defines them, unless that file is currently broken. */
  private void collectGarbage() {
    Set<ResourceKey> inFiles = Set.copyOf(files.list(ListOptions.all()).items().stream().map(Resource::key).toList());
    for (Resource r : durable.list(ListOptions.all()).items()) {
      if (!isFromFile(r) || inFiles.contains(r.key())) {
        continue;
      }
      Path file = files.root().resolve(r.metadata().annotations().get(SOURCE_ANNOTATION));
      if (files.hasErrors(file)) {
        LOG.warn("event=config_file_broken_keeping object={} file={}", r.key(), file);
        continue;
      }
      remove(r.key());
    }
  }

  static boolean isFromFile(Resource r) {
    return r.metadata().annotations().containsKey(SOURCE_ANNOTATION);
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    return durable.get(key);
  }

  @Override
  public ListResult list(ListOptions options) {
    return durable.list(options);
  }

  @Override
  public Watch watch(WatchOptions options, WatchListener listener) {
    return durable.watch(options, listener);
  }

  @Override
  public Resource create(Resource r) {
    rejectSourceAnnotation(r);
    Optional<Path> file = files.sourceOf(r.key());
    if (file.isPresent()) {
      throw new StoreException.AlreadyExists(r.key(), "it is defined in " + file.get() + "; edit that file");
    }
    return durable.create(r);
  }

  @Override
  public Resource update(Resource r) {
    refuseFileObject(r.key());
    rejectSourceAnnotation(r);
    return durable.update(r);
  }

  @Override
  public Resource updateStatus(Resource r) {
    return durable.updateStatus(r);
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions preconditions) {
    refuseFileObject(key);
    return durable.delete(key, preconditions);
  }

  private void refuseFileObject(ResourceKey key) {
    Optional<Resource> current = durable.get(key);
    if (current.isPresent() && isFromFile(current.get())) {
      throw new StoreException.ReadOnly(key + " comes from file " + files.root().resolve(
          current.get().metadata().annotations().get(SOURCE_ANNOTATION)) + "; edit that file to change it");
    }
  }

  private static void rejectSourceAnnotation(Resource r) {
    if (r.metadata().annotations().containsKey(SOURCE_ANNOTATION)) {
      throw new StoreException.Invalid(r.key(), List.of(Problem.error("metadata.annotations[" + SOURCE_ANNOTATION
          + "]", "this annotation is set by vmesh for objects from config files; remove it")));
    }
  }

  /**
   * The durable store's health. When it takes writes again after file changes could not be written, the
   * files are mirrored again from their current state, so edits made meanwhile are not lost.
   */
  @Override
  public StoreHealth health() {
    StoreHealth h = durable.health();
    if (h.writable() && behind.compareAndSet(true, false)) {
      synchronized (mirrorLock) {
        if (!closed) {
          LOG.info("event=config_mirror_restarted dir={} reason=\"the store takes writes again\"", files.root());
          mirror.close();
          mirror = startMirror();
        }
      }
    }
    return h;
  }

  @Override
  public String describe() {
    return durable.describe() + " + " + files.describe();
  }

  @Override
  public void close() {
    synchronized (mirrorLock) {
      closed = true;
      mirror.close();
    }
    files.close();
    durable.close();
  }
}

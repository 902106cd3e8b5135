package dev.vmesh.controlplane;

import dev.vmesh.api.Kind;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.StoreException;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * {@code StoreMetrics} are the server's metrics of its store and config files, read at scrape time:
 * objects by kind, whether the store takes writes, failed writes, and config files with errors.
 */
final class StoreMetrics {
  private StoreMetrics() {}

  /** Registers them on {@code metrics}; {@code files} is the config directory's store, or null. */
  static void register(PrometheusRegistry metrics, ConfigStore store, FileConfigStore files) {
    GaugeWithCallback.builder().name("vmesh_config_objects").help("Objects in the store, by kind.")
        .labelNames("kind").callback(cb -> {
          for (Kind k : Kind.values()) {
            try {
              cb.call(store.list(ListOptions.of(k)).items().size(), k.kindName());
            } catch (StoreException e) {
              // a store that is unreachable just now (etcd): the rest of /metrics is still served
            }
          }
        }).register(metrics);
    GaugeWithCallback.builder().name("vmesh_store_writable")
        .help("1 while the store takes writes, 0 while writes fail for the store's own reason (disk full, etcd's "
            + "space quota); the log and /ready say why.")
        .callback(cb -> cb.call(store.health().writable() ? 1 : 0)).register(metrics);
    CounterWithCallback.builder().name("vmesh_store_write_failures")
        .help("Writes the store failed for its own reasons (disk full, I/O errors, etcd full or unreachable).")
        .callback(cb -> cb.call(store.health().failedWrites())).register(metrics);
    GaugeWithCallback.builder().name("vmesh_config_files_with_errors")
        .help("Files (or directories) under --config whose current version has errors; their last good objects "
            + "are served. /debug/config_errors lists the errors.")
        .callback(cb -> cb.call(files == null ? 0 : files.filesWithErrors())).register(metrics);
  }
}

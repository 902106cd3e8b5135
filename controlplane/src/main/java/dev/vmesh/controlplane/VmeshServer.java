package dev.vmesh.controlplane;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceWriter;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryJson;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ConfigStores;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.LayeredConfigStore;
import dev.vmesh.store.ListOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code VmeshServer} is the control plane process: the embedded durable store (with the config
 * directory layered under it when given), the registry kept in step with it, and the HTTP endpoints.
 * xDS, the CA and the controllers join it in later work.
 */
public final class VmeshServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VmeshServer.class);

  private final ConfigStore store;
  private final RegistryController registry;
  private final HttpEndpoints http;

  private VmeshServer(ConfigStore store, RegistryController registry, HttpEndpoints http) {
    this.store = store;
    this.registry = registry;
    this.http = http;
  }

  /** Opens the stores, loads the registry and starts serving. */
  public static VmeshServer start(ServerOptions options, Clock clock) throws IOException {
    ConfigStore durable = ConfigStores.durable(options.dataDir(), clock);
    FileConfigStore files = null;
    ConfigStore store = durable;
    RegistryController controller = null;
    try {
      if (options.configDir() != null) {
        files = FileConfigStore.open(options.configDir(), clock, options.configPollInterval());
        LayeredConfigStore layered = new LayeredConfigStore(files, durable);
        store = layered;
        awaitMirror(layered);
      }
      controller = new RegistryController(store, () -> new Registry(options.registry()), changes -> { });
      controller.start();
      Map<String, Supplier<HttpEndpoints.Page>> pages = new LinkedHashMap<>();
      RegistryController c = controller;
      ConfigStore s = store;
      FileConfigStore f = files;
      pages.put("/ready", () -> c.isSynced() ? HttpEndpoints.Page.text(200, "ready\n")
          : HttpEndpoints.Page.text(503, "loading configuration\n"));
      pages.put("/debug/registryz", () -> HttpEndpoints.Page.json(RegistryJson.json(c.registry())));
      pages.put("/debug/configz", () -> HttpEndpoints.Page.json(
          ResourceWriter.jsonList(s.list(ListOptions.all()).items(), true) + "\n"));
      pages.put("/debug/config_errors", () -> HttpEndpoints.Page.json(TreeWriter.json(
          (f == null ? List.<Problem>of() : f.problems()).stream().map(Problem::toTree).toList(), true) + "\n"));
      HttpEndpoints http = new HttpEndpoints(options.httpAddress(), pages);
      VmeshServer server = new VmeshServer(store, controller, http);
      LOG.info("event=server_started store={} http={}", store.describe(), http.address());
      return server;
    } catch (IOException | RuntimeException e) {
      if (controller != null) {
        controller.close();
      }
      store.close();
      throw e;
    }
  }

  /** The registry must start from the config files, not from whatever the durable store had before. */
  private static void awaitMirror(LayeredConfigStore layered) throws IOException {
    try {
      if (!layered.awaitSynced(60)) {
        throw new IOException("config files were not loaded within 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while loading config files", e);
    }
  }

  public InetSocketAddress httpAddress() {
    return http.address();
  }

  public ConfigStore store() {
    return store;
  }

  public Registry registry() {
    return registry.registry();
  }

  public boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
    return registry.awaitSynced(timeout, unit);
  }

  @Override
  public void close() {
    LOG.info("event=server_stopping");
    http.close();
    registry.close();
    store.close();
    LOG.info("event=server_stopped");
  }
}

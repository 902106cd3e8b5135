package dev.vmesh.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * {@code EmbeddedBackend} keeps a server's state in the embedded durable store ({@code store.db} in its
 * data directory). Only that server uses it, so it always leads and shares nothing.
 */
public final class EmbeddedBackend implements StoreBackend {
  private final LocalConfigStore store;

  private EmbeddedBackend(LocalConfigStore store) {
    this.store = store;
  }

  /**
   * Opens the embedded store in {@code dataDir}. Unless {@code allowEmpty}, a missing or empty
   * {@code store.db} is refused when the CA or the bootstrap-token keys in {@code dataDir} show that a
   * server ran there before: its objects would silently be gone.
   */
  public static StoreBackend.Opener opener(Path dataDir, boolean allowEmpty) {
    return opener(dataDir, allowEmpty, LocalConfigStore.Options.DEFAULTS);
  }

  /** The same with the store's {@code options} (its watch history, for one). */
  public static StoreBackend.Opener opener(Path dataDir, boolean allowEmpty, LocalConfigStore.Options options) {
    return clock -> new EmbeddedBackend(ConfigStores.durable(dataDir, clock, options,
        allowEmpty ? null : ranBefore(dataDir)));
  }

  /** Why {@code dataDir} was used by a server with the embedded store before, or null if it shows no sign of it. */
  private static String ranBefore(Path dataDir) {
    for (String evidence : new String[] {"ca", "tokens"}) {
      Path p = dataDir.resolve(evidence);
      if (Files.isDirectory(p)) {
        return (evidence.equals("ca") ? "the CA in " + p + " shows" : "the bootstrap-token keys in " + p + " show")
            + " that this server has run here before";
      }
    }
    return null;
  }

  @Override
  public ConfigStore store() {
    return store;
  }

  @Override
  public Leadership leadership(String identity) {
    return Leadership.always(store, identity);
  }

  @Override
  public Optional<Blobs> sharedBlobs() {
    return Optional.empty();
  }
}

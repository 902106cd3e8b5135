package dev.vmesh.controlplane;

import dev.vmesh.registry.RegistryOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code ServerOptions} configures {@link VmeshServer}.
 *
 * @param dataDir where the embedded store keeps its database
 * @param configDir a directory of YAML/JSON config served read-only and watched, or null
 * @param httpAddress where the HTTP endpoints (readiness, debug) listen; port 0 picks a free port
 * @param configPollInterval how often the config directory is rescanned
 */
public record ServerOptions(Path dataDir, Path configDir, InetSocketAddress httpAddress, RegistryOptions registry,
    Duration configPollInterval) {

  public static final int DEFAULT_HTTP_PORT = 15014;
}

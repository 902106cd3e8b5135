package dev.vmesh.xds;

import java.time.Duration;

/**
 * {@code XdsOptions} tunes the push pipeline and carries the mesh-wide settings of sidecar config.
 *
 * @param debounceQuiet a change that comes this long after the last one is pushed at once; one that
 *     comes sooner starts a batch, pushed after this long without new changes (default 10 ms)
 * @param debounceMax ... or this long after its first change, whichever is sooner (default 100 ms)
 * @param pushThreads threads that generate and send responses for all connections
 * @param sidecar mesh-wide settings of Envoy sidecars' config
 */
public record XdsOptions(Duration debounceQuiet, Duration debounceMax, int pushThreads, SidecarOptions sidecar) {
  public static final XdsOptions DEFAULTS = new XdsOptions(Duration.ofMillis(10), Duration.ofMillis(100),
      Math.max(2, Runtime.getRuntime().availableProcessors()));

  /** Options with the default sidecar settings. */
  public XdsOptions(Duration debounceQuiet, Duration debounceMax, int pushThreads) {
    this(debounceQuiet, debounceMax, pushThreads, SidecarOptions.DEFAULTS);
  }

  /** These options with sidecar settings {@code sidecar}. */
  public XdsOptions withSidecar(SidecarOptions sidecar) {
    return new XdsOptions(debounceQuiet, debounceMax, pushThreads, sidecar);
  }
}

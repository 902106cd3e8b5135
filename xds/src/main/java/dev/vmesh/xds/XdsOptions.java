package dev.vmesh.xds;

import java.time.Duration;

/**
 * {@code XdsOptions} tunes the push pipeline.
 *
 * @param debounceQuiet a change that comes this long after the last one is pushed at once; one that
 *     comes sooner starts a batch, pushed after this long without new changes (default 10 ms)
 * @param debounceMax ... or this long after its first change, whichever is sooner (default 100 ms)
 * @param pushThreads threads that generate and send responses for all connections
 */
public record XdsOptions(Duration debounceQuiet, Duration debounceMax, int pushThreads) {
  public static final XdsOptions DEFAULTS = new XdsOptions(Duration.ofMillis(10), Duration.ofMillis(100),
      Math.max(2, Runtime.getRuntime().availableProcessors()));
}

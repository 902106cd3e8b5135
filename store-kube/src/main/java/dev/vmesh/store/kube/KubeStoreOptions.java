package dev.vmesh.store.kube;

import java.time.Duration;

/**
 * {@code KubeStoreOptions} tunes the Kubernetes store.
 *
 * @param validate check objects with vmesh's (Istio's) validation before sending them, as Istio's
 *     validating webhook would
 * @param historyLimit events kept for watches that resume from a resourceVersion
 * @param watchQueueCapacity events a slow watch may fall behind before it is closed
 * @param syncTimeout how long {@code connect} waits for the first list of every kind
 * @param visibilityTimeout how long a write waits for its own change to reach the informers (so a
 *     read right after it sees it); the write has succeeded either way
 */
public record KubeStoreOptions(boolean validate, int historyLimit, int watchQueueCapacity, Duration syncTimeout,
    Duration visibilityTimeout) {
  public static final KubeStoreOptions DEFAULTS =
      new KubeStoreOptions(true, 50_000, 200_000, Duration.ofSeconds(60), Duration.ofSeconds(10));

  public KubeStoreOptions withVisibilityTimeout(Duration timeout) {
    return new KubeStoreOptions(validate, historyLimit, watchQueueCapacity, syncTimeout, timeout);
  }
}

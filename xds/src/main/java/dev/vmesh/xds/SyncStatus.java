package dev.vmesh.xds;

import java.time.Instant;
import java.util.Map;

/**
 * {@code SyncStatus} is one connection as {@code /debug/syncz} and {@code vmesh proxy-status} show it, with
 * what the split horizon left out of its endpoints ({@code horizon}).
 */
public record SyncStatus(String connectionId, String protocol, Proxy proxy, Instant connectedAt,
    Map<String, TypeStatus> types, HorizonReport horizon) {

  /** One type: subscription size, what was sent and acknowledged, and the last rejection. */
  public record TypeStatus(boolean wildcard, int subscribed, int resources, String versionSent,
      String versionAcked, String nonce, long responses, long nacks, String lastNack, Instant lastNackAt) {}
}

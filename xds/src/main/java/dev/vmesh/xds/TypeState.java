package dev.vmesh.xds;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code TypeState} is one connection's state for one type URL: the resource types that serve it to
 * this proxy, the subscription, what the client has, what must be (re)sent, and ACK/NACK bookkeeping.
 * Confined to the connection's executor, except {@link #types}, which is final.
 */
final class TypeState {
  /** The resource types behind this URL for this proxy (one, unless several own parts of its names). */
  final List<ResourceType> types;
  boolean wildcard;
  final Set<String> names = new HashSet<>();
  /** Resource name to the version the client has. */
  final Map<String, String> sent = new HashMap<>();

  boolean dirtyAll;
  final Set<String> dirty = new HashSet<>();
  /** Names just subscribed (delta): a missing one is answered with a removal so the client stops waiting. */
  final Set<String> justSubscribed = new HashSet<>();
  /** Answer even if nothing changed (first request, subscription change). */
  boolean mustRespond;
  /** When the oldest change waiting to be sent happened ({@code System.nanoTime}), 0 if none. */
  long pendingSinceNanos;

  String nonce = "";
  String versionSent = "";
  String versionAcked = "";
  String lastNack = "";
  Instant lastNackAt;
  long responses;
  long nacks;

  TypeState(List<ResourceType> types) {
    this.types = List.copyOf(types);
  }

  String shortName() {
    return types.get(0).shortName();
  }

  boolean fullState() {
    return types.get(0).fullState();
  }

  /** The type that owns {@code name}, or null. */
  ResourceType owner(String name) {
    for (ResourceType t : types) {
      if (t.owns(name)) {
        return t;
      }
    }
    return null;
  }

  boolean hasWork() {
    return dirtyAll || mustRespond || !dirty.isEmpty();
  }

  void markChanged(long sinceNanos) {
    if (pendingSinceNanos == 0 || sinceNanos < pendingSinceNanos) {
      pendingSinceNanos = sinceNanos;
    }
  }

  void clearWork() {
    dirtyAll = false;
    mustRespond = false;
    dirty.clear();
    justSubscribed.clear();
    pendingSinceNanos = 0;
  }

  boolean interestedIn(String name) {
    return wildcard || names.contains(name);
  }
}

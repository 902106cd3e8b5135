package dev.vmesh.store;

/** {@code WatchListener} receives a watch's events, one at a time, on the store's delivery thread. */
public interface WatchListener {
  void onEvent(WatchEvent event);

  /**
   * The watch ended without the caller closing it: it fell too far behind, its start version expired,
   * or the store closed. The caller should list (or watch from the current state) again.
   */
  default void onClose(StoreException cause) {}
}

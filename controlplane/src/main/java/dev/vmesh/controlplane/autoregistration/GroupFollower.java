package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Resource;
import dev.vmesh.api.time.Timer;
import dev.vmesh.controlplane.autoregistration.ConnectionTable.Tracked;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.WatchEvent;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GroupFollower} applies WorkloadGroup changes to the connections registered from them: a group
 * that appears or changes registers its waiting proxies and refreshes their entries (or refuses and
 * removes an entry whose identity the group no longer allows); a deleted group takes its entries with
 * it, and its proxies are registered again if it comes back. Each entry's change runs under its lock in
 * the {@link ConnectionTable}. Events arrive one at a time from {@link GroupWatch}.
 */
final class GroupFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupFollower.class);

  /** What the controller does for one tracked connection. */
  interface Registering {
    /** Creates or refreshes the connection's entry (refusals are reported, never thrown). */
    void register(Tracked t);

    /** Reports a refusal of a connection that stays open. */
    void refuse(Tracked t, Refusal refusal);
  }

  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final ConnectionTable table;
  private final EntryCleaner cleaner;
  private final Registrations registrations;
  private final Registering registering;
  private final GroupWatch watch;

  GroupFollower(ConfigStore store, AutoRegistrationOptions options, ConnectionTable table, EntryCleaner cleaner,
      Registrations registrations, Registering registering, Timer timer) {
    this.store = store;
    this.options = options;
    this.table = table;
    this.cleaner = cleaner;
    this.registrations = registrations;
    this.registering = registering;
    this.watch = new GroupWatch(store, timer, this::apply);
  }

  void start() {
    watch.start();
  }

  /** The resourceVersion of the last WorkloadGroup event handled. */
  String lastEvent() {
    return watch.lastEvent();
  }

  private void apply(WatchEvent e) {
    if (e.object() == null) {
      return;
    }
    Resource group = e.object();
    List<Tracked> ofGroup = table.ofGroup(group.namespace(), group.name());
    switch (e.type()) {
      case ADDED, MODIFIED -> ofGroup.forEach(t -> changed(group, t));
      case DELETED -> {
        cleaner.deleteOwnedBy(group);
        for (Tracked t : ofGroup) {
          registrations.refused(t.connectionId(), Refusal.Reason.NO_GROUP.label + ": WorkloadGroup "
              + group.key().namespacedName() + " was deleted, and its entries with it; the proxy is registered again "
              + "if the group comes back");
        }
      }
      default -> { }
    }
  }

  /** Late registration, or the group's changes applied to the entry of {@code t}. */
  private void changed(Resource group, Tracked t) {
    ReentrantLock lock = table.lockOf(t.entry());
    lock.lock();
    try {
      if (!table.tracked(t)) {
        return; // disconnected meanwhile: its disconnect decided
      }
      String problem = options.validateIdentity() ? GroupEntries.identityProblem(t.proxy(),
          GroupEntries.fromGroup(group, t.proxy()), options.trustDomain()) : null;
      if (problem == null) {
        registering.register(t);
      } else {
        registering.refuse(t, new Refusal(Refusal.Reason.IDENTITY, problem));
        if (store.get(t.entry()).filter(we -> GroupEntries.ownedBy(we, group.name())).isPresent()) {
          cleaner.deleteNow(t.entry(), group.name()); // the group now demands an identity this VM lacks
        }
      }
    } catch (StoreException ex) {
      LOG.warn("event=group_update_not_applied entry={} error={}", t.entry(), ex.getMessage());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    watch.close();
  }
}

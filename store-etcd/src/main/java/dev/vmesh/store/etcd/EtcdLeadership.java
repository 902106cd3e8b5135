package dev.vmesh.store.etcd;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EtcdLeadership} elects one leader among the servers sharing an etcd. The leader is the replica
 * that created the key {@code <prefix>leader/<election>}, attached to a lease it keeps renewing. The key
 * disappears when that lease expires (the leader died, paused or was cut off for longer than the TTL)
 * or is revoked (the leader resigned); the others watch the key and race to create it again. A term is
 * the key's create revision, and {@link #fenced()} writes carry "the key still has that create revision"
 * as a condition, so a replica that lost its term cannot write once another may have started.
 *
 * <p>A replica steps down by itself when its lease is lost: when etcd says so, or when its local
 * deadline (the TTL since the last renewal) passes without an answer.
 */
public final class EtcdLeadership implements Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdLeadership.class);
  private static final Duration RETRY = Duration.ofMillis(500);

  private final EtcdConfigStore store;
  private final Client client;
  private final EtcdCalls calls;
  private final String election;
  private final String identity;
  private final long ttlSeconds;
  private final ByteSequence key;
  private final ConfigStore fenced;
  private final Thread campaigner;

  private final Object lock = new Object();
  // Guarded by lock.
  private long leaseId;
  private CloseableClient keepAlive;
  /** Create revision of our leader key while this replica leads; 0 otherwise. */
  private long term;
  private String leader;
  /** Bumped by anything that should make the campaigner look again (key changed, lease lost, close). */
  private long changes;
  private boolean closed;

  private EtcdLeadership(EtcdConfigStore store, String election, String identity, Duration ttl) {
    this.store = store;
    this.client = store.client();
    this.calls = store.calls();
    this.election = election;
    this.identity = identity;
    this.ttlSeconds = Math.max(1, ttl.toSeconds());
    this.key = KeyLayout.bytes(store.options().keyPrefix() + "leader/" + election);
    this.fenced = store.fencedBy(this::currentFence);
    this.campaigner = Thread.ofVirtual().name("leader-election-" + election).unstarted(this::campaign);
  }

  /**
   * Starts competing for the lead of {@code election} as {@code identity} (the replica's name), on the
   * store's etcd connection; {@code ttl} is how long a silent leader keeps the lead (at least a second;
   * etcd may raise it to its minimum).
   */
  public static EtcdLeadership start(EtcdConfigStore store, String election, String identity, Duration ttl) {
    if (election.isEmpty() || election.contains("/")) {
      throw new IllegalArgumentException("election name \"" + election + "\" must be non-empty without '/'");
    }
    EtcdLeadership l = new EtcdLeadership(store, election, identity, ttl);
    l.campaigner.start();
    return l;
  }

  @Override
  public boolean isLeader() {
    synchronized (lock) {
      return term != 0;
    }
  }

  @Override
  public boolean awaitLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (term == 0 && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return term != 0;
    }
  }

  @Override
  public Optional<String> leader() {
    synchronized (lock) {
      return Optional.ofNullable(leader);
    }
  }

  @Override
  public ConfigStore fenced() {
    return fenced;
  }

  /** The fence of the current term; throws {@link StoreException.NotLeader} when this replica does not lead. */
  Fence currentFence() {
    synchronized (lock) {
      if (term == 0) {
        throw new StoreException.NotLeader("this replica (" + identity + ") does not lead " + description()
            + (leader == null ? "" : "; " + leader + " does"));
      }
      return new Fence(key, term, description());
    }
  }

  /** The lease this replica campaigns with (0 when none), for tests. */
  long leaseId() {
    synchronized (lock) {
      return leaseId;
    }
  }

  private String description() {
    return "election " + election;
  }

  private void campaign() {
    while (true) {
      long seen;
      synchronized (lock) {
        if (closed || store.isClosed()) {
          term = 0;
          return;
        }
        seen = changes;
      }
      Watch.Watcher watcher = null;
      Duration recheck = Duration.ofSeconds(ttlSeconds);
      try {
        long lease = ensureLease();
        TxnResponse t = calls.await(client.getKVClient().txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
            .Then(Op.put(key, KeyLayout.bytes(identity), PutOption.builder().withLeaseId(lease).build()))
            .Else(Op.get(key, GetOption.DEFAULT))
            .commit(), "campaigning in " + description());
        long revision = t.getHeader().getRevision();
        List<KeyValue> holder = t.isSucceeded() ? List.of() : t.getGetResponses().get(0).getKvs();
        watcher = client.getWatchClient().watch(key, WatchOption.builder().withRevision(revision + 1).build(),
            Watch.listener(r -> changed(), e -> changed(), this::changed));
        if (t.isSucceeded()) {
          lead(revision, lease);
        } else if (holder.isEmpty()) {
          follow(null);
          recheck = RETRY;
        } else if (holder.get(0).getLease() == lease) {
          lead(holder.get(0).getCreateRevision(), lease); // ours: the answer to an earlier attempt was lost
        } else {
          follow(holder.get(0).getValue().toString(StandardCharsets.UTF_8));
        }
      } catch (RuntimeException e) { // StoreException, or jetcd's own (a closed client)
        if (String.valueOf(e.getMessage()).contains("lease not found")) {
          leaseLost(leaseId(), "etcd no longer has the lease"); // revoked or expired: campaign with a new one
        } else {
          stepDown("etcd unreachable: " + e.getMessage());
        }
        recheck = RETRY;
      }
      synchronized (lock) {
        long deadline = System.nanoTime() + recheck.toNanos();
        while (changes == seen && !closed) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(lock, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
      if (watcher != null) {
        watcher.close();
      }
    }
  }

  /** A lease of ours that etcd keeps alive, granted if there is none. */
  private long ensureLease() {
    synchronized (lock) {
      if (leaseId != 0) {
        return leaseId;
      }
    }
    long id = calls.await(client.getLeaseClient().grant(ttlSeconds), "granting a lease for " + description()).getID();
    CloseableClient renewal = client.getLeaseClient().keepAlive(id, new StreamObserver<LeaseKeepAliveResponse>() {
      @Override
      public void onNext(LeaseKeepAliveResponse r) {}

      @Override
      public void onError(Throwable t) {
        if (String.valueOf(t.getMessage()).contains("lease not found")) {
          leaseLost(id, "etcd no longer has the lease");
        }
        // other errors: the renewal stream restarts by itself; the deadline below still applies
      }

      @Override
      public void onCompleted() {
        leaseLost(id, "no renewal within the lease's TTL");
      }
    });
    synchronized (lock) {
      leaseId = id;
      keepAlive = renewal;
    }
    return id;
  }

  private void leaseLost(long id, String why) {
    CloseableClient renewal;
    synchronized (lock) {
      if (leaseId != id) {
        return;
      }
      leaseId = 0;
      renewal = keepAlive;
      keepAlive = null;
      changes++;
      lock.notifyAll();
    }
    stepDown(why);
    if (renewal != null) {
      renewal.close();
    }
  }

  private void lead(long revision, long lease) {
    synchronized (lock) {
      if (closed || leaseId != lease) {
        return;
      }
      if (term != revision) {
        LOG.info("event=leader_elected election={} replica={} term={}", election, identity, revision);
      }
      term = revision;
      leader = identity;
      lock.notifyAll();
    }
  }

  private void follow(String holder) {
    synchronized (lock) {
      if (term != 0) {
        LOG.warn("event=leader_lost election={} replica={} term={} leader={}", election, identity, term, holder);
      }
      term = 0;
      leader = holder;
    }
  }

  private void stepDown(String why) {
    synchronized (lock) {
      if (term != 0) {
        LOG.warn("event=leader_lost election={} replica={} term={} reason=\"{}\"", election, identity, term, why);
      }
      term = 0;
      leader = null;
    }
  }

  private void changed() {
    synchronized (lock) {
      changes++;
      lock.notifyAll();
    }
  }

  /** Resigns: revokes the lease, so the key goes at once and another replica can lead. */
  @Override
  public void close() {
    long lease;
    CloseableClient renewal;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      lease = leaseId;
      renewal = keepAlive;
      leaseId = 0;
      keepAlive = null;
      term = 0;
      changes++;
      lock.notifyAll();
    }
    if (renewal != null) {
      renewal.close();
    }
    if (lease != 0) {
      try {
        calls.await(client.getLeaseClient().revoke(lease), "resigning from " + description());
      } catch (StoreException e) {
        LOG.warn("event=leader_resign_failed election={} replica={} error=\"{}\" note=\"the lease expires by itself\"",
            election, identity, e.getMessage());
      }
    }
    try {
      campaigner.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

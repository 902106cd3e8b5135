package dev.vmesh.store.kube;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ForwardingConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code KubeLeadership} elects one leader among the servers sharing a Kubernetes store, the way
 * Kubernetes controllers do: a {@code coordination.k8s.io/v1} Lease named {@code vmesh-<election>} in
 * the server's namespace, held by the leader's identity and renewed every {@link #RETRY} (fabric8's
 * {@code LeaderElector}). A leader that cannot renew within {@link #RENEW_DEADLINE} stops leading, well
 * before the lease ({@link #LEASE}) runs out for the others; this class also times the renewals itself,
 * so a leader whose elector stalls stops leading on time too. A replica that stops gives the lease up
 * so another can take it at once. After losing the lead a replica competes again.
 *
 * <p>Kubernetes has no transaction across two objects, so {@link #fenced()} is weaker than on etcd: it
 * refuses writes while this replica does not lead as far as it knows, checked just before each write,
 * not in the same step. The margin between the renew deadline and the lease duration is what keeps a
 * replica that lost the lead from writing after another took it, as for every Kubernetes controller.
 * fabric8's elector compares the holder's renew time (its wall clock) with its own clock, so that
 * margin also assumes the servers' clocks agree within a second or two (NTP).
 */
public final class KubeLeadership implements Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(KubeLeadership.class);
  static final Duration LEASE = Duration.ofSeconds(15);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final String namespace;
  private final String leaseName;
  private final String identity;
  private final Duration lease;
  private final Duration renewDeadline;
  private final Duration retry;
  private final ConfigStore fenced;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();
  private boolean leading;
  /** System.nanoTime() when the last write of the Lease naming this replica was sent (and then accepted). */
  private long renewed;
  private String leader;
  private boolean closed;
  private CompletableFuture<?> round;

  private KubeLeadership(ConfigStore store, KubernetesClient client, String namespace, String election, String identity,
      Duration lease, Duration renewDeadline, Duration retry) {
    this.client = client;
    this.namespace = namespace;
    this.leaseName = "vmesh-" + election;
    this.identity = identity;
    this.lease = lease;
    this.renewDeadline = renewDeadline;
    this.retry = retry;
    this.renewed = System.nanoTime() - renewDeadline.toNanos() - 1; // never renewed
    this.fenced = new Fenced(store, this);
    this.timer = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("kube-leader-" + election).unstarted(r));
  }

  /**
   * Starts competing for {@code election} in {@code namespace} as {@code identity}, with the usual
   * Kubernetes timings (lease 15 s, renew deadline 10 s, retry 2 s). The store's writes are what
   * {@link #fenced()} guards.
   */
  public static KubeLeadership start(KubeConfigStore store, String namespace, String election, String identity) {
    return start(store, store.client(), namespace, election, identity, LEASE, RENEW_DEADLINE, RETRY);
  }

  static KubeLeadership start(ConfigStore store, KubernetesClient client, String namespace, String election,
      String identity, Duration lease, Duration renewDeadline, Duration retry) {
    KubeLeadership l = new KubeLeadership(store, client, namespace, election, identity, lease, renewDeadline, retry);
    l.compete();
    return l;
  }

  private void compete() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      var config = new LeaderElectionConfigBuilder()
          .withName(leaseName)
          .withLock(new TimedLock(new LeaseLock(namespace, leaseName, identity)))
          .withLeaseDuration(lease)
          .withRenewDeadline(renewDeadline)
          .withRetryPeriod(retry)
          .withReleaseOnCancel(true)
          .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
          .build();
      CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
      round = f;
      // The elector ends after losing the lead (or on an error reaching the API server): compete again.
      f.whenComplete((ok, error) -> {
        if (error != null && !(error instanceof CancellationException)) {
          LOG.warn("event=kube_election_failed lease={}/{} error=\"{}\" action=retry", namespace, leaseName, error.toString());
        }
        stopped();
        synchronized (lock) {
          if (!closed && round == f) {
            timer.schedule(this::compete, retry.toMillis(), TimeUnit.MILLISECONDS);
          }
        }
      });
    }
  }

  private void started() {
    synchronized (lock) {
      leading = true;
      leader = identity;
      lock.notifyAll();
    }
    LOG.info("event=kube_leading lease={}/{} identity={}", namespace, leaseName, identity);
  }

  private void stopped() {
    synchronized (lock) {
      if (!leading) {
        return;
      }
      leading = false;
      if (identity.equals(leader)) {
        leader = null;
      }
    }
    LOG.info("event=kube_not_leading lease={}/{} identity={}", namespace, leaseName, identity);
  }

  private void newLeader(String who) {
    synchronized (lock) {
      leader = who == null || who.isEmpty() ? null : who;
    }
  }

  /**
   * True while fabric8's elector says this replica leads and its last renewal was sent less than the
   * renew deadline ago. The second half is this class's own guard: should the elector stall (its
   * executor gone, a request hanging), the replica still stops leading on time.
   */
  @Override
  public boolean isLeader() {
    synchronized (lock) {
      return leading && !closed && System.nanoTime() - renewed < renewDeadline.toNanos();
    }
  }

  @Override
  public boolean awaitLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!isLeader() && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, retry.toNanos()));
      }
      return isLeader();
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

  /** Stops competing and gives up the lease, so another replica can lead at once. */
  @Override
  public void close() {
    CompletableFuture<?> f;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      f = round;
      lock.notifyAll();
    }
    timer.shutdownNow();
    if (f != null) {
      // With release-on-cancel the elector clears the Lease's holder, in the cancelling thread and through
      // the API server: bounded here, so a server whose API server is away still stops in time.
      // a platform thread: the elector's release holds monitors across blocking HTTP calls
      Thread release = Thread.ofPlatform().daemon().name("kube-leader-release").start(() -> f.cancel(true));
      try {
        if (!release.join(Duration.ofSeconds(5))) {
          LOG.warn("event=kube_lease_not_released lease={}/{}; it runs out by itself within {}", namespace, leaseName,
              lease);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stopped();
  }

  /**
   * The Lease lock, noting when each attempt that ends in a write naming this replica as holder began:
   * the elector stamps the record's renew time before it reads the Lease, so the attempt's start, not
   * the write's, is when the other replicas' count starts. Failures other than the API server's are
   * turned into its kind, which the elector retries (it would stop competing for good on others).
   */
  private final class TimedLock implements Lock {
    private final Lock delegate;
    /** System.nanoTime() before the read that begins the current attempt (the elector runs one at a time). */
    private volatile long attempt;

    TimedLock(Lock delegate) {
      this.delegate = delegate;
    }

    @Override
    public LeaderElectionRecord get(KubernetesClient client) {
      attempt = System.nanoTime();
      return guarded(() -> delegate.get(client));
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
      long began = Math.min(attempt, System.nanoTime());
      guarded(() -> {
        delegate.create(client, record);
        return null;
      });
      accepted(record, began);
    }

    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
      long began = Math.min(attempt, System.nanoTime());
      guarded(() -> {
        delegate.update(client, record);
        return null;
      });
      accepted(record, began);
    }

    private <T> T guarded(Supplier<T> call) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        throw e;
      } catch (RuntimeException e) { // e.g. a Lease someone made without the fields a record needs
        throw new KubernetesClientException("Lease " + namespace + "/" + leaseName
            + " is not usable: " + e, e);
      }
    }

    private void accepted(LeaderElectionRecord record, long began) {
      if (identity.equals(record.getHolderIdentity())) {
        synchronized (lock) {
          renewed = Math.max(renewed, began);
        }
      }
    }

    @Override
    public String identity() {
      return delegate.identity();
    }

    @Override
    public String describe() {
      return delegate.describe();
    }
  }

  /** The store whose writes are refused while this replica does not lead (checked just before each). */
  private static final class Fenced extends ForwardingConfigStore {
    private final KubeLeadership leadership;

    Fenced(ConfigStore store, KubeLeadership leadership) {
      super(store);
      this.leadership = leadership;
    }

    private void check(String what) {
      if (!leadership.isLeader()) {
        throw new StoreException.NotLeader("not " + what + ": this server (" + leadership.identity
            + ") does not lead; the leader is " + leadership.leader().orElse("not known"));
      }
    }

    @Override
    public Resource create(Resource r) {
      check("creating " + r.key());
      return super.create(r);
    }

    @Override
    public Resource update(Resource r) {
      check("updating " + r.key());
      return super.update(r);
    }

    @Override
    public Resource updateStatus(Resource r) {
      check("updating the status of " + r.key());
      return super.updateStatus(r);
    }

    @Override
    public Resource delete(ResourceKey key, Preconditions preconditions) {
      check("deleting " + key);
      return super.delete(key, preconditions);
    }

    @Override
    public String describe() {
      return super.describe() + " (fenced by leadership)";
    }

    @Override
    public void close() {
      // the store belongs to whoever opened it
    }
  }
}

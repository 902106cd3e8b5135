package dev.vmesh.store.etcd;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.ListResult;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.StoreHealth;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import dev.vmesh.store.WriteChecks;
import dev.vmesh.store.WriteHealth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EtcdConfigStore} keeps objects in etcd, one key per object (see {@link KeyLayout}), so that
 * several vmesh servers can share one state. An object's resourceVersion is its key's mod revision;
 * writes are etcd transactions that compare the revision read (create: the key does not exist), so
 * concurrent writers get {@link StoreException.Conflict} exactly as with the embedded store. Reads go
 * to etcd (linearizable) every time; nothing is cached.
 *
 * <p>Watches list, then follow etcd's watch from the listed revision, resuming from the last revision
 * seen after a lost connection; see {@link EtcdWatch} for what happens when etcd has compacted that
 * revision away.
 */
public final class EtcdConfigStore implements ConfigStore {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdConfigStore.class);
  private static final AtomicLong WATCH_IDS = new AtomicLong();
  /** Unconditional writes retry a lost compare-and-swap this many times. */
  private static final int MAX_ATTEMPTS = 100;
  static final int WATCH_QUEUE_CAPACITY = 200_000;

  private final Client client;
  private final KV kv;
  private final EtcdOptions options;
  private final KeyLayout keys;
  private final ChannelBackoff backoff;
  private final EtcdCalls calls;
  private final Clock clock;
  private final WriteChecks checks;
  private final Snapshots snapshots;
  private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timers;
  private final WriteHealth health;
  private volatile boolean closed;

  private EtcdConfigStore(Client client, EtcdOptions options, Clock clock, boolean validate) {
    this.client = client;
    this.kv = client.getKVClient();
    this.options = options;
    this.keys = new KeyLayout(options.keyPrefix());
    this.backoff = ChannelBackoff.of(client);
    this.calls = new EtcdCalls(options.endpointList(), options.requestTimeout(), backoff::cutShort);
    this.clock = Objects.requireNonNull(clock);
    this.checks = new WriteChecks(validate);
    this.snapshots = new Snapshots(kv, calls, keys);
    this.timers = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("etcd-watch-timer").unstarted(r));
    this.health = new WriteHealth(describe(), clock);
  }

  /**
   * Connects to etcd and checks that it answers (and accepts the credentials); throws
   * {@link StoreException.Unavailable} naming the endpoints and the cause otherwise.
   */
  public static EtcdConfigStore connect(EtcdOptions options, Clock clock) {
    return connect(options, clock, true);
  }

  /** As {@link #connect(EtcdOptions, Clock)}; {@code validate} false skips Istio's validation rules. */
  public static EtcdConfigStore connect(EtcdOptions options, Clock clock, boolean validate) {
    Client client = EtcdClients.build(options);
    try {
      EtcdConfigStore store = new EtcdConfigStore(client, options, clock, validate);
      store.calls.await(store.kv.get(KeyLayout.bytes(options.keyPrefix()),
          GetOption.builder().isPrefix(true).withCountOnly(true).build()), "connecting");
      LOG.info("event=etcd_connected endpoints={} prefix={}", options.endpointList(), options.keyPrefix());
      return store;
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    checkOpen();
    GetResponse r = calls.await(kv.get(keys.key(key)), "reading " + key);
    return r.getKvs().stream().findFirst().flatMap(StoredObjects::decode);
  }

  @Override
  public ListResult list(ListOptions o) {
    checkOpen();
    Snapshots.Snapshot s = snapshots.read(keys.range(o.kind() == null ? Set.of() : Set.of(o.kind()), o.namespace()),
        0, "listing " + describe(o));
    List<Resource> items = s.objects().stream().filter(o::matches).toList();
    return new ListResult(items, Long.toString(s.revision()));
  }

  @Override
  public Resource create(Resource r) {
    return create(r, null);
  }

  Resource create(Resource r, Supplier<Fence> fence) {
    checkOpen();
    validate(r);
    ObjectMeta m = r.metadata()
        .withUid(UUID.randomUUID().toString())
        .withCreationTimestamp(clock.instant())
        .withGeneration(1);
    ByteSequence key = keys.key(r.key());
    ByteSequence value = StoredObjects.encode(r.withMetadata(m).withStatus(ResourceStatus.EMPTY));
    TxnResponse t = commit(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)), Op.put(key, value, PutOption.DEFAULT),
        null, fence, "creating " + r.key());
    if (!t.isSucceeded()) {
      throw new StoreException.AlreadyExists(r.key(), "");
    }
    return StoredObjects.decode(key.toString(StandardCharsets.UTF_8), value, t.getHeader().getRevision());
  }

  @Override
  public Resource update(Resource r) {
    return update(r, null);
  }

  Resource update(Resource r, Supplier<Fence> fence) {
    checkOpen();
    validate(r);
    return write(r.key(), r.resourceVersion(), "updating", fence, current -> {
      boolean specChanged = !current.spec().equals(r.spec());
      ObjectMeta m = r.metadata()
          .withUid(current.metadata().uid())
          .withCreationTimestamp(current.metadata().creationTimestamp())
          .withGeneration(current.metadata().generation() + (specChanged ? 1 : 0));
      return new Resource(r.apiVersion(), r.kind(), m, r.spec(), current.status());
    });
  }

  @Override
  public Resource updateStatus(Resource r) {
    return updateStatus(r, null);
  }

  Resource updateStatus(Resource r, Supplier<Fence> fence) {
    checkOpen();
    return write(r.key(), r.resourceVersion(), "updating the status of", fence, current -> current.withStatus(r.status()));
  }

  /**
   * Reads the object, applies {@code change} and writes the result if it differs, on condition that
   * the key's mod revision is still the one read. With an expected version, losing that race is a
   * conflict; without one, the write is retried on the newer object.
   */
  private Resource write(ResourceKey key, String expectedVersion, String what, Supplier<Fence> fence,
      UnaryOperator<Resource> change) {
    ByteSequence etcdKey = keys.key(key);
    for (int attempt = 1; ; attempt++) {
      Resource current = get(key).orElseThrow(() -> new StoreException.NotFound(key));
      checkVersion(key, current, expectedVersion, "");
      long read = Long.parseLong(current.resourceVersion());
      ByteSequence value = StoredObjects.encode(change.apply(current));
      // Compare what would be stored, as read back, so that two spellings of one object are equal.
      Resource next = StoredObjects.decode(etcdKey.toString(StandardCharsets.UTF_8), value, read);
      if (next.equals(current)) {
        return current; // no-op: no new version, no event
      }
      TxnResponse t = commit(new Cmp(etcdKey, Cmp.Op.EQUAL, CmpTarget.modRevision(read)),
          Op.put(etcdKey, value, PutOption.DEFAULT), etcdKey, fence, what + " " + key);
      if (t.isSucceeded()) {
        return next.withMetadata(next.metadata().withResourceVersion(Long.toString(t.getHeader().getRevision())));
      }
      lostRace(key, expectedVersion, t, attempt);
    }
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions pre) {
    return delete(key, pre, null);
  }

  Resource delete(ResourceKey key, Preconditions pre, Supplier<Fence> fence) {
    checkOpen();
    ByteSequence etcdKey = keys.key(key);
    for (int attempt = 1; ; attempt++) {
      Resource current = get(key).orElseThrow(() -> new StoreException.NotFound(key));
      checkVersion(key, current, pre.resourceVersion(), pre.uid());
      TxnResponse t = commit(new Cmp(etcdKey, Cmp.Op.EQUAL, CmpTarget.modRevision(Long.parseLong(current.resourceVersion()))),
          Op.delete(etcdKey, DeleteOption.DEFAULT), etcdKey, fence, "deleting " + key);
      if (t.isSucceeded()) {
        return current.withMetadata(current.metadata().withResourceVersion(Long.toString(t.getHeader().getRevision())));
      }
      lostRace(key, pre.resourceVersion(), t, attempt);
    }
  }

  /**
   * One write: {@code then} if {@code condition} holds (and the fence, if any); otherwise reads
   * {@code readBack} (when given) so the caller can tell why. A failed fence is {@link StoreException.NotLeader}.
   */
  private TxnResponse commit(Cmp condition, Op then, ByteSequence readBack, Supplier<Fence> fenceSupplier, String what) {
    Fence fence = fenceSupplier == null ? null : fenceSupplier.get();
    List<Cmp> conditions = new ArrayList<>(List.of(condition));
    List<Op> otherwise = new ArrayList<>();
    if (readBack != null) {
      otherwise.add(Op.get(readBack, GetOption.DEFAULT));
    }
    if (fence != null) {
      conditions.add(fence.condition());
      otherwise.add(Op.get(fence.key(), GetOption.DEFAULT));
    }
    TxnResponse t = awaitWrite(kv.txn().If(conditions.toArray(Cmp[]::new)).Then(then)
        .Else(otherwise.toArray(Op[]::new)).commit(), what);
    if (!t.isSucceeded() && fence != null) {
      List<KeyValue> holder = t.getGetResponses().get(t.getGetResponses().size() - 1).getKvs();
      if (holder.isEmpty() || holder.get(0).getCreateRevision() != fence.createRevision()) {
        throw fence.lost(what);
      }
    }
    return t;
  }

  /**
   * A write's answer; a refusal for lack of space makes the store unwritable (see {@link #health()}),
   * any other failure (etcd unreachable) is counted.
   */
  private TxnResponse awaitWrite(CompletableFuture<TxnResponse> call, String what) {
    try {
      TxnResponse t = calls.await(call, what);
      health.succeeded();
      return t;
    } catch (StoreException.Unavailable e) {
      if (EtcdCalls.isNoSpace(e.getCause())) {
        health.failed("etcd's database is full (its --quota-backend-bytes); free space in etcd: compact, defrag, "
            + "alarm disarm");
      } else {
        health.error();
      }
      throw e;
    }
  }

  /**
   * Whether etcd takes writes. While it refuses them for lack of space, at most every
   * {@link WriteHealth#PROBE_INTERVAL} this sends a transaction whose put etcd would never carry out (its
   * condition is always false) but which etcd refuses as long as its NOSPACE alarm is raised: so the
   * store notices by itself, without writing anything, when an operator has freed space.
   */
  @Override
  public StoreHealth health() {
    if (!closed && health.probeDue()) {
      ByteSequence probe = KeyLayout.bytes(options.keyPrefix() + "write-probe");
      try {
        calls.await(kv.txn().If(new Cmp(probe, Cmp.Op.LESS, CmpTarget.createRevision(0)))
            .Then(Op.put(probe, ByteSequence.EMPTY, PutOption.DEFAULT)).commit(), "checking that etcd takes writes");
        health.succeeded();
      } catch (StoreException e) {
        health.probeFailed(EtcdCalls.isNoSpace(e.getCause()) ? health.get().reason() : e.getMessage());
      }
    }
    return health.get();
  }

  /** After a failed compare: a conflict if a version was expected, else (within limits) try again. */
  private static void lostRace(ResourceKey key, String expectedVersion, TxnResponse t, int attempt) {
    List<KeyValue> now = t.getGetResponses().isEmpty() ? List.of() : t.getGetResponses().get(0).getKvs();
    if (!expectedVersion.isEmpty()) {
      if (now.isEmpty()) {
        throw new StoreException.NotFound(key);
      }
      throw new StoreException.Conflict(key, expectedVersion, Long.toString(now.get(0).getModRevision()));
    }
    if (attempt >= MAX_ATTEMPTS) {
      throw new StoreException(409, key + " kept changing during " + attempt + " attempts to write it; try again");
    }
  }

  private static void checkVersion(ResourceKey key, Resource current, String rv, String uid) {
    if (!rv.isEmpty() && !rv.equals(current.resourceVersion())) {
      throw new StoreException.Conflict(key, rv, current.resourceVersion());
    }
    if (!uid.isEmpty() && !uid.equals(current.metadata().uid())) {
      throw new StoreException(409, key + " has uid " + current.metadata().uid() + ", not " + uid
          + ": it was deleted and created again");
    }
  }

  @Override
  public Watch watch(WatchOptions o, WatchListener listener) {
    checkOpen();
    EtcdWatch w = new EtcdWatch("etcd-watch-" + WATCH_IDS.incrementAndGet(), o, listener, client.getWatchClient(),
        keys, snapshots, timers, watches::remove, backoff::cutShort);
    watches.add(w);
    try {
      w.start();
    } catch (RuntimeException e) {
      watches.remove(w);
      w.close();
      throw e;
    }
    if (closed) {
      w.fail(new StoreException.Unavailable("store closed", null));
    }
    return w;
  }

  /**
   * This store with every write also conditioned on {@code fence} (asked for at each write; it throws
   * {@link StoreException.NotLeader} when there is no current term).
   */
  ConfigStore fencedBy(Supplier<Fence> fence) {
    return new FencedConfigStore(this, fence);
  }

  @Override
  public String describe() {
    return "etcd:" + options.endpointList() + options.keyPrefix();
  }

  /** How calls to this store's etcd are awaited and their failures reported (shared by leadership and blobs). */
  EtcdCalls calls() {
    return calls;
  }

  ChannelBackoff channelBackoff() {
    return backoff;
  }

  /** The options this store was opened with. */
  public EtcdOptions options() {
    return options;
  }

  /** The jetcd client, for companions on the same connection (leader election). */
  Client client() {
    return client;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdWatch w : List.copyOf(watches)) {
      w.fail(new StoreException.Unavailable("store closed", null));
    }
    timers.shutdownNow();
    try {
      timers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
    LOG.info("event=etcd_store_closed endpoints={}", options.endpointList());
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException.Unavailable("store is closed", null);
    }
  }

  private void validate(Resource r) {
    WriteChecks.requireName(r);
    keys.key(r.key());
    checks.checkRules(r);
  }

  private static String describe(ListOptions o) {
    return (o.kind() == null ? "all kinds" : o.kind().plural()) + (o.namespace() == null ? "" : " in " + o.namespace());
  }
}

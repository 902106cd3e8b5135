package dev.vmesh.store.etcd;

import dev.vmesh.api.Resource;
import dev.vmesh.store.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.OptionsUtil;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code Snapshots} reads every object under a key prefix as of one revision (keys that do not name an
 * object, such as leader keys, are skipped), in pages, so that a large
 * store never needs one huge response; every page after the first is read at the first page's revision,
 * so the result is consistent.
 */
final class Snapshots {
  static final int PAGE_SIZE = 500;
  /** A list at the current revision is retried this often when etcd compacts between its pages. */
  private static final int ATTEMPTS = 3;

  /** Objects under a prefix, sorted by key, as of {@code revision}. */
  record Snapshot(List<Resource> objects, long revision) {}

  private final KV kv;
  private final EtcdCalls calls;
  private final KeyLayout keys;

  Snapshots(KV kv, EtcdCalls calls, KeyLayout keys) {
    this.kv = kv;
    this.calls = calls;
    this.keys = keys;
  }

  /**
   * The objects under {@code prefix} at {@code revision}, or at the current revision when it is 0.
   * Throws {@link StoreException.Expired} if etcd has compacted {@code revision} away.
   */
  Snapshot read(ByteSequence prefix, long revision, String what) {
    for (int attempt = 1; ; attempt++) {
      try {
        return readOnce(prefix, revision, what);
      } catch (StoreException.Expired e) {
        if (revision != 0 || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private Snapshot readOnce(ByteSequence prefix, long revision, String what) {
    ByteSequence end = OptionsUtil.prefixEndOf(prefix);
    ByteSequence from = prefix;
    long at = revision;
    List<Resource> out = new ArrayList<>();
    while (true) {
      GetOption.Builder option = GetOption.builder().withRange(end).withLimit(PAGE_SIZE);
      if (at != 0) {
        option.withRevision(at);
      }
      GetResponse page = calls.await(kv.get(from, option.build()), what);
      if (at == 0) {
        at = page.getHeader().getRevision();
      }
      List<KeyValue> kvs = page.getKvs();
      for (KeyValue kv : kvs) {
        if (keys.parse(kv.getKey()).isPresent()) { // other keys under the prefix (leader election) are not objects
          StoredObjects.decode(kv).ifPresent(out::add);
        }
      }
      if (!page.isMore() || kvs.isEmpty()) {
        break;
      }
      from = kvs.get(kvs.size() - 1).getKey().concat(ByteSequence.from(new byte[] {0}));
    }
    // etcd orders by key bytes; the SPI orders by kind, namespace, name ("ns1/" sorts after "ns1-a/" as bytes)
    out.sort(Comparator.comparing(Resource::key));
    return new Snapshot(out, at);
  }
}

package dev.vmesh.store.etcd;

import dev.vmesh.store.Blobs;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code EtcdBlobs} keeps {@link Blobs} as etcd keys {@code <prefix>blobs/<name>}, next to the objects of
 * the same {@link EtcdConfigStore} and on its connection. Creation is a transaction on the key's create
 * revision being 0, so of several replicas storing the same name at once exactly one succeeds. Values
 * are written once and never changed; secrets among them are sealed by the caller before they get here.
 */
public final class EtcdBlobs implements Blobs {
  private final KV kv;
  private final EtcdCalls calls;
  private final String root;

  public EtcdBlobs(EtcdConfigStore store) {
    this.kv = store.client().getKVClient();
    this.calls = store.calls();
    this.root = store.options().keyPrefix() + "blobs/";
  }

  @Override
  public Optional<byte[]> get(String name) {
    GetResponse r = calls.await(kv.get(key(Blobs.checkName(name))), "reading " + name);
    return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(r.getKvs().get(0).getValue().getBytes());
  }

  @Override
  public boolean putIfAbsent(String name, byte[] value) {
    ByteSequence k = key(Blobs.checkName(name));
    TxnResponse t = calls.await(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT)).commit(), "storing " + name);
    return t.isSucceeded();
  }

  @Override
  public List<String> list(String directory) {
    String under = root + (directory.isEmpty() ? "" : Blobs.checkName(directory) + "/");
    ByteSequence prefix = ByteSequence.from(under, StandardCharsets.UTF_8);
    GetResponse r = calls.await(kv.get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build()),
        "listing " + (directory.isEmpty() ? "blobs" : directory));
    TreeSet<String> names = new TreeSet<>();
    r.getKvs().forEach(kv -> {
      String rest = kv.getKey().toString(StandardCharsets.UTF_8).substring(under.length());
      int slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.substring(0, slash));
    });
    return List.copyOf(names);
  }

  /** One range read for the whole directory. */
  @Override
  public SortedMap<String, byte[]> getAll(String directory) {
    String under = root + (directory.isEmpty() ? "" : Blobs.checkName(directory) + "/");
    GetResponse r = calls.await(kv.get(ByteSequence.from(under, StandardCharsets.UTF_8),
        GetOption.builder().isPrefix(true).build()), "reading " + (directory.isEmpty() ? "blobs" : directory));
    SortedMap<String, byte[]> out = new TreeMap<>();
    r.getKvs().forEach(kv -> {
      String rest = kv.getKey().toString(StandardCharsets.UTF_8).substring(under.length());
      if (rest.indexOf('/') < 0) {
        out.put(rest, kv.getValue().getBytes());
      }
    });
    return out;
  }

  private ByteSequence key(String name) {
    return ByteSequence.from(root + name, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "etcd " + root;
  }
}

package dev.vmesh.store.etcd;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.DecodeException;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code StoredObjects} turns objects into etcd values and back. A value is the object's JSON as the
 * embedded store writes it (the same {@link ResourceWriter} and {@link ResourceDecoder}), without
 * {@code resourceVersion}: that is the key's mod revision, known only once etcd has written it.
 */
final class StoredObjects {
  private static final Logger LOG = LoggerFactory.getLogger(StoredObjects.class);

  private StoredObjects() {}

  static ByteSequence encode(Resource r) {
    Resource bare = r.withMetadata(r.metadata().withResourceVersion(""));
    return ByteSequence.from(ResourceWriter.json(bare, false), StandardCharsets.UTF_8);
  }

  /** The object stored in {@code value}, at {@code revision}. */
  static Resource decode(String key, ByteSequence value, long revision) {
    Resource r = ResourceDecoder.decodeOne("etcd key " + key + ".json", value.toString(StandardCharsets.UTF_8));
    return r.withMetadata(r.metadata().withResourceVersion(Long.toString(revision)));
  }

  /**
   * The object in {@code kv} at its mod revision, or empty (logged) when the value is not a vmesh
   * object: something other than vmesh wrote under the prefix.
   */
  static Optional<Resource> decode(KeyValue kv) {
    String key = kv.getKey().toString(StandardCharsets.UTF_8);
    try {
      Resource r = decode(key, kv.getValue(), kv.getModRevision());
      String expected = "/" + KeyLayout.resource(r.kind()) + "/" + r.namespace() + "/" + r.name();
      if (!key.endsWith(expected)) {
        LOG.warn("event=etcd_value_misplaced key={} object=\"{}\" action=ignored", key, r);
        return Optional.empty();
      }
      return Optional.of(r);
    } catch (DecodeException e) {
      LOG.warn("event=etcd_value_unreadable key={} revision={} error=\"{}\" action=ignored", key,
          kv.getModRevision(), e.getMessage().replace('\n', ' '));
      return Optional.empty();
    }
  }
}

package dev.vmesh.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code Blobs} holds the few small values every replica of the server must share besides the mesh's
 * configuration: the CA's key and certificate, the bootstrap-token signing key, and which tokens were
 * revoked or spent. Values are written once and never changed, so the only write is "create unless
 * it exists", which is what lets replicas race to create the CA and agree on one.
 *
 * <p>Names are relative paths of letters, digits, {@code .}, {@code _} and {@code -} separated by
 * {@code /} (for example {@code ca/shared-ca.pem}); implementations store each under their own root
 * (a directory, an etcd key prefix).
 */
public interface Blobs {
  Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

  /** The value stored under {@code name}, or empty. */
  Optional<byte[]> get(String name) throws IOException;

  /**
   * Stores {@code value} under {@code name} unless something is stored there already; true if this
   * call stored it. Durable once it returns true.
   */
  boolean putIfAbsent(String name, byte[] value) throws IOException;

  /** The names directly under {@code directory} (a name, or empty for the top), without it, sorted. */
  List<String> list(String directory) throws IOException;

  /**
   * The values stored directly under {@code directory} (not in directories below it), by name relative
   * to it, sorted. Stores that can read many values in one request override this.
   */
  default SortedMap<String, byte[]> getAll(String directory) throws IOException {
    String under = directory.isEmpty() ? "" : checkName(directory) + "/";
    SortedMap<String, byte[]> out = new TreeMap<>();
    for (String name : list(directory)) {
      Optional<byte[]> value = get(under + name);
      if (value.isPresent()) {
        out.put(name, value.get());
      }
    }
    return out;
  }

  /** Checks {@code name} against {@link #NAME}; returns it. */
  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("not a blob name: \"" + name + "\" (expected words of letters, digits, "
          + "'.', '_' and '-' separated by '/')");
    }
    return name;
  }
}

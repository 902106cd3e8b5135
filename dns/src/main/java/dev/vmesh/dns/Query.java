package dev.vmesh.dns;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * {@code Query} holds what the proxy reads from one incoming query: header fields, the question (as a
 * lower-case wire-format copy for lookups, and where it sits in the packet so replies can copy the
 * client's exact bytes) and the EDNS OPT record. One instance per thread, reused for every packet, so
 * parsing allocates nothing; its contents are valid only while that packet is being handled.
 */
final class Query {
  private static final FastThreadLocal<Query> PER_THREAD = new FastThreadLocal<>() {
    @Override
    protected Query initialValue() {
      return new Query();
    }
  };

  /** This thread's instance. */
  static Query scratch() {
    return PER_THREAD.get();
  }

  int id;
  int flags;
  int qtype;
  int qclass;
  /** Offset just past the question section (from the start of the message). */
  int questionEnd;
  /** The question name in lower case, wire format, including the final zero byte. */
  final byte[] name = new byte[Wire.MAX_NAME];
  int nameLength;
  /** Offsets in {@link #name} where each label starts (the last entry is the root). */
  final int[] labelStarts = new int[128];
  int labels;

  boolean edns;
  int ednsPayload;
  int ednsVersion;

  /** When the answer came from a wildcard: how many bytes of the name the wildcard replaced; else -1. */
  int wildcardPrefix;
  /** Scratch for shuffling answer records. */
  int[] order = new int[64];

  void reset() {
    id = 0;
    flags = 0;
    qtype = 0;
    qclass = 0;
    questionEnd = 0;
    nameLength = 0;
    labels = 0;
    edns = false;
    ednsPayload = 0;
    ednsVersion = 0;
    wildcardPrefix = -1;
  }

  int[] order(int n) {
    if (order.length < n) {
      order = new int[Math.max(n, order.length * 2)];
    }
    return order;
  }

  int opcode() {
    return (flags & Wire.OPCODE) >>> 11;
  }
}

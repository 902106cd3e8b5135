package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;

/**
 * {@code MessageScanner} is a strict structural parser for DNS messages from untrusted peers: queries
 * from clients and replies from upstream servers.
 *
 * <p>It is hand-written instead of using Netty's {@code DnsQuery}/{@code DnsResponse} decoders for
 * three reasons. The hot path must not allocate, and those decoders build message, question and record
 * objects and a {@code String} per name for every packet. Relaying and truncating an upstream reply
 * needs the byte offset of each record, which decoded objects no longer have. And hostile input has to
 * end in FORMERR or a drop with exact limits: every length inside the packet, labels of at most 63
 * bytes, names of at most 255, only plain labels and pointers, and each compression pointer pointing
 * strictly before the previous one (which rules out loops without counting hops).
 */
final class MessageScanner {
  private MessageScanner() {}

  /** Outcomes of {@link #scanQuery}. */
  static final int OK = 0;
  static final int DROP = 1;
  static final int FORMERR = 2;
  static final int NOTIMP = 3;

  /**
   * Reads the query in {@code m} (from its reader index to its writer index) into {@code q}. Returns
   * {@link #DROP} for what must not be answered (shorter than a header, or a response), {@link #NOTIMP}
   * for opcodes other than QUERY, {@link #FORMERR} for anything malformed or with other than one
   * question, else {@link #OK}.
   */
  static int scanQuery(ByteBuf m, Query q) {
    q.reset();
    int base = m.readerIndex();
    int end = m.writerIndex();
    if (end - base < Wire.HEADER) {
      return DROP;
    }
    q.id = m.getUnsignedShort(base);
    q.flags = m.getUnsignedShort(base + 2);
    if ((q.flags & Wire.QR) != 0) {
      return DROP;
    }
    if (q.opcode() != Wire.OPCODE_QUERY) {
      return NOTIMP;
    }
    if (m.getUnsignedShort(base + 4) != 1) {
      return FORMERR;
    }
    int pos = readQuestionName(m, base + Wire.HEADER, end, q);
    if (pos < 0 || pos + 4 > end) {
      return FORMERR;
    }
    q.qtype = m.getUnsignedShort(pos);
    q.qclass = m.getUnsignedShort(pos + 2);
    pos += 4;
    q.questionEnd = pos - base;
    int others = m.getUnsignedShort(base + 6) + m.getUnsignedShort(base + 8);
    int additional = m.getUnsignedShort(base + 10);
    for (int i = 0; i < others + additional; i++) {
      int nameStart = pos;
      pos = skipName(m, base, pos, end);
      if (pos < 0 || pos + 10 > end) {
        return FORMERR;
      }
      int type = m.getUnsignedShort(pos);
      int rdLength = m.getUnsignedShort(pos + 8);
      if (type == Wire.TYPE_OPT) {
        // One OPT at most, in the additional section, owned by the root name (RFC 6891 section 6.1.1).
        if (i < others || q.edns || pos != nameStart + 1) {
          return FORMERR;
        }
        q.edns = true;
        q.ednsPayload = m.getUnsignedShort(pos + 2);
        q.ednsVersion = m.getUnsignedByte(pos + 5);
      }
      pos += 10 + rdLength;
      if (pos > end) {
        return FORMERR;
      }
    }
    return OK;
  }

  /**
   * Copies the question name at {@code pos} into {@code q} in lower case, recording label starts.
   * Compression is not allowed here: nothing precedes the question that a pointer could name. The
   * labels' lengths are checked first, then the name is copied and lower-cased as a whole.
   */
  private static int readQuestionName(ByteBuf m, int pos, int end, Query q) {
    int start = pos;
    int n = 0;
    while (true) {
      if (pos >= end) {
        return -1;
      }
      int len = m.getUnsignedByte(pos);
      if (len > Wire.MAX_LABEL || n + len + 1 > Wire.MAX_NAME || pos + 1 + len > end) {
        return -1; // pointer, reserved label type, too long, or past the end
      }
      q.labelStarts[q.labels++] = n;
      n += 1 + len;
      pos += 1 + len;
      if (len == 0) {
        break;
      }
    }
    m.getBytes(start, q.name, 0, n);
    Wire.lower(q.name, n); // the length bytes (at most 63) are below 'A' and stay as they are
    q.nameLength = n;
    return pos;
  }

  /**
   * Checks the (possibly compressed) name at {@code pos} and returns the offset just after it in the
   * message, or -1 when it is malformed. {@code base} is where the message starts in {@code m}.
   */
  static int skipName(ByteBuf m, int base, int pos, int end) {
    int total = 0;
    int after = -1;
    int lastTarget = pos; // each pointer must point strictly before the previous one (or this name)
    while (true) {
      if (pos >= end) {
        return -1;
      }
      int len = m.getUnsignedByte(pos);
      if ((len & 0xc0) == 0xc0) {
        if (pos + 1 >= end) {
          return -1;
        }
        int target = base + (((len & 0x3f) << 8) | m.getUnsignedByte(pos + 1));
        if (target < base + Wire.HEADER || target >= lastTarget) {
          return -1;
        }
        if (after < 0) {
          after = pos + 2;
        }
        lastTarget = target;
        pos = target;
        continue;
      }
      if (len > Wire.MAX_LABEL) {
        return -1; // 0x40 and 0x80: obsolete or reserved label types
      }
      total += len + 1;
      if (total > Wire.MAX_NAME) {
        return -1;
      }
      pos += 1 + len;
      if (len == 0) {
        return after >= 0 ? after : pos;
      }
    }
  }

  /**
   * The layout of an upstream reply, or null when it is malformed. Offsets are from the start of the
   * message.
   */
  static ReplyLayout scanReply(ByteBuf m) {
    int base = m.readerIndex();
    int end = m.writerIndex();
    if (end - base < Wire.HEADER) {
      return null;
    }
    int flags = m.getUnsignedShort(base + 2);
    if ((flags & Wire.QR) == 0) {
      return null;
    }
    int qd = m.getUnsignedShort(base + 4);
    int[] counts = {m.getUnsignedShort(base + 6), m.getUnsignedShort(base + 8), m.getUnsignedShort(base + 10)};
    if (qd > 1) {
      return null;
    }
    int pos = base + Wire.HEADER;
    if (qd == 1) {
      pos = skipName(m, base, pos, end);
      if (pos < 0 || pos + 4 > end) {
        return null;
      }
      pos += 4;
    }
    int questionEnd = pos - base;
    int total = counts[0] + counts[1] + counts[2];
    if ((long) total * 11 > end - pos) {
      return null; // cannot possibly hold that many records
    }
    int[] recordEnds = new int[total];
    int optIndex = -1;
    for (int i = 0; i < total; i++) {
      int nameStart = pos;
      pos = skipName(m, base, pos, end);
      if (pos < 0 || pos + 10 > end) {
        return null;
      }
      int type = m.getUnsignedShort(pos);
      if (type == Wire.TYPE_OPT) {
        if (i < counts[0] + counts[1] || optIndex >= 0 || pos != nameStart + 1) {
          return null;
        }
        optIndex = i;
      }
      pos += 10 + m.getUnsignedShort(pos + 8);
      if (pos > end) {
        return null;
      }
      recordEnds[i] = pos - base;
    }
    return new ReplyLayout(m.getUnsignedShort(base), flags, qd, questionEnd, counts, recordEnds, optIndex);
  }

  /**
   * Where the parts of a well-formed reply are.
   *
   * @param recordEnds offset just past each record, answer, authority and additional sections in order
   * @param optIndex index of the OPT record in {@code recordEnds}, or -1
   */
  record ReplyLayout(int id, int flags, int questions, int questionEnd, int[] counts, int[] recordEnds, int optIndex) {
    int rcode() {
      return flags & Wire.RCODE;
    }

    int recordStart(int i) {
      return i == 0 ? questionEnd : recordEnds[i - 1];
    }
  }
}

package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code Responses} writes the replies the proxy makes itself: answers from the table and error
 * replies. An answer is the client's header (ID and RD/CD kept), the client's question copied byte for
 * byte (so 0x20 case randomisation survives), then the prebuilt records in a fresh random order, then
 * an OPT record when the client used EDNS. Nothing is allocated but the reply buffer, and not even that
 * when a UDP listener lends its send slot ({@link Buffers}).
 *
 * <p>Hand-written for the same reason as {@link MessageScanner}: the records are prebuilt bytes and
 * only need copying; building Netty {@code DnsResponse} objects per query would allocate several
 * objects per record and re-encode the same names every time.
 */
final class Responses {
  private Responses() {}

  /**
   * Where a reply is written: a buffer of at least {@code size} writable bytes, from its writer index on.
   * A UDP listener lends the send slot of the datagram being answered, so that the reply is written
   * where the kernel reads it; elsewhere a buffer from the channel's allocator.
   */
  interface Buffers {
    ByteBuf buffer(int size);

    /** Buffers from {@code alloc} (direct, pooled). */
    static Buffers of(ByteBufAllocator alloc) {
      return alloc::ioBuffer;
    }
  }

  /**
   * The answer from {@code records} to the query in {@code query} (parsed into {@code q}), at most
   * {@code limit} bytes: records that do not fit are left out and TC is set. {@code payload} is the UDP
   * size advertised in our OPT record.
   */
  static ByteBuf answer(Buffers buffers, ByteBuf query, Query q, HostRecords records, int limit, int payload) {
    HostRecords target = records.target;
    boolean v4 = q.qtype == Wire.TYPE_A;
    byte[] rrs = v4 ? target.a : target.aaaa;
    int count = v4 ? target.aCount : target.aaaaCount;
    int rrLength = v4 ? Wire.A_RR_LENGTH : Wire.AAAA_RR_LENGTH;
    int questionLength = q.questionEnd - Wire.HEADER;
    // A known name without records of this type: NOERROR with no answers (no CNAME either), as Istio.
    boolean alias = records.isAlias() && count > 0;
    int cnameData = !alias ? 0 : records.aliasOfWildcard()
        ? q.wildcardPrefix + records.cnameTarget.length - 2 : records.cnameTarget.length;
    int cnameLength = alias ? 12 + cnameData : 0;
    int optLength = q.edns ? Wire.OPT_LENGTH : 0;
    int fixed = Wire.HEADER + questionLength + optLength;
    boolean cnameFits = fixed + cnameLength <= limit;
    int room = cnameFits ? limit - fixed - cnameLength : 0;
    int n = Math.min(count, room / rrLength);
    boolean truncated = n < count || (alias && !cnameFits);
    int answers = n + (alias && cnameFits ? 1 : 0);

    ByteBuf out = buffers.buffer(fixed + (alias && cnameFits ? cnameLength : 0) + n * rrLength);
    out.writeShort(q.id);
    out.writeShort(Wire.QR | Wire.AA | Wire.RA | (q.flags & (Wire.RD | Wire.CD)) | (truncated ? Wire.TC : 0));
    out.writeShort(1);
    out.writeShort(answers);
    out.writeShort(0);
    out.writeShort(q.edns ? 1 : 0);
    out.writeBytes(query, query.readerIndex() + Wire.HEADER, questionLength);
    int owner = Wire.POINTER_TO_QUESTION;
    if (alias && cnameFits) {
      out.writeShort(Wire.POINTER_TO_QUESTION);
      out.writeShort(Wire.TYPE_CNAME);
      out.writeShort(Wire.CLASS_IN);
      out.writeInt(Wire.TTL);
      out.writeShort(cnameData);
      owner = 0xc000 | out.writerIndex();
      if (records.aliasOfWildcard()) {
        // The labels the wildcard stood for, as the client wrote them, then the target's domain.
        out.writeBytes(query, query.readerIndex() + Wire.HEADER, q.wildcardPrefix);
        out.writeBytes(records.cnameTarget, 2, records.cnameTarget.length - 2);
      } else {
        out.writeBytes(records.cnameTarget);
      }
    }
    if (n > 0) {
      writeShuffled(out, rrs, count, rrLength, n, owner, q);
    }
    if (q.edns) {
      writeOpt(out, payload, 0);
    }
    return out;
  }

  /**
   * The PTR answer from {@code records} to the query in {@code query}, at most {@code limit} bytes:
   * records that do not fit are left out and TC is set.
   */
  static ByteBuf pointers(Buffers buffers, ByteBuf query, Query q, PointerRecords records, int limit,
      int payload) {
    int questionLength = q.questionEnd - Wire.HEADER;
    int fixed = Wire.HEADER + questionLength + (q.edns ? Wire.OPT_LENGTH : 0);
    int n = 0;
    while (n < records.count() && fixed + records.ends[n] <= limit) {
      n++;
    }
    int length = n == 0 ? 0 : records.ends[n - 1];
    ByteBuf out = buffers.buffer(fixed + length);
    out.writeShort(q.id);
    out.writeShort(Wire.QR | Wire.AA | Wire.RA | (q.flags & (Wire.RD | Wire.CD)) | (n < records.count() ? Wire.TC : 0));
    out.writeShort(1);
    out.writeShort(n);
    out.writeShort(0);
    out.writeShort(q.edns ? 1 : 0);
    out.writeBytes(query, query.readerIndex() + Wire.HEADER, questionLength);
    out.writeBytes(records.rrs, 0, length);
    if (q.edns) {
      writeOpt(out, payload, 0);
    }
    return out;
  }

  /** Copies {@code n} of the {@code count} records in random order (a partial Fisher-Yates shuffle). */
  private static void writeShuffled(ByteBuf out, byte[] rrs, int count, int rrLength, int n, int owner, Query q) {
    if (count == 1) { // most names: one address of the family asked for, nothing to shuffle
      int start = out.writerIndex();
      out.writeBytes(rrs, 0, rrLength);
      if (owner != Wire.POINTER_TO_QUESTION) {
        out.setShort(start, owner);
      }
      return;
    }
    int[] order = q.order(count);
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(count - i);
      int pick = order[j];
      order[j] = order[i];
      int start = out.writerIndex();
      out.writeBytes(rrs, pick * rrLength, rrLength);
      if (owner != Wire.POINTER_TO_QUESTION) {
        out.setShort(start, owner);
      }
    }
  }

  /**
   * An error reply ({@code rcode} may be extended, e.g. BADVERS) to the query in {@code query}. The
   * question is echoed when {@code withQuestion} (only when it parsed), an OPT record added when the
   * client used EDNS or the code needs one.
   */
  static ByteBuf error(Buffers buffers, ByteBuf query, Query q, int rcode, boolean withQuestion, int payload) {
    return error(buffers, query, withQuestion ? q.questionEnd : 0, q.edns, rcode, payload);
  }

  /**
   * An error reply as above, given where the question ends ({@code 0}: leave it out) and whether the
   * client used EDNS.
   */
  static ByteBuf error(Buffers buffers, ByteBuf query, int questionEnd, boolean edns, int rcode, int payload) {
    int base = query.readerIndex();
    boolean withQuestion = questionEnd > 0;
    int questionLength = withQuestion ? questionEnd - Wire.HEADER : 0;
    boolean opt = withQuestion && (edns || rcode > Wire.RCODE);
    ByteBuf out = buffers.buffer(Wire.HEADER + questionLength + (opt ? Wire.OPT_LENGTH : 0));
    int flags = query.getUnsignedShort(base + 2);
    out.writeShort(query.getUnsignedShort(base));
    out.writeShort(Wire.QR | Wire.RA | (flags & (Wire.OPCODE | Wire.RD | Wire.CD)) | (rcode & Wire.RCODE));
    out.writeShort(withQuestion ? 1 : 0);
    out.writeShort(0);
    out.writeShort(0);
    out.writeShort(opt ? 1 : 0);
    if (withQuestion) {
      out.writeBytes(query, base + Wire.HEADER, questionLength);
    }
    if (opt) {
      writeOpt(out, payload, rcode >>> 4);
    }
    return out;
  }

  private static void writeOpt(ByteBuf out, int payload, int extendedRcode) {
    out.writeByte(0); // root owner
    out.writeShort(Wire.TYPE_OPT);
    out.writeShort(payload);
    out.writeByte(extendedRcode);
    out.writeByte(0); // version
    out.writeShort(0); // DO and Z: no DNSSEC
    out.writeShort(0); // no options
  }

  /**
   * {@code reply} (an upstream's, laid out as {@code layout}) made to fit in {@code limit} bytes: when
   * it is larger, whole records are dropped from the end (the OPT record is kept) and TC is set, so
   * the client retries over TCP. Returns {@code reply} itself when it fits; otherwise a new buffer, and
   * {@code reply} is released.
   */
  static ByteBuf fit(ByteBufAllocator alloc, ByteBuf reply, MessageScanner.ReplyLayout layout, int limit) {
    int size = reply.readableBytes();
    if (size <= limit) {
      return reply;
    }
    int base = reply.readerIndex();
    int optStart = layout.optIndex() < 0 ? -1 : layout.recordStart(layout.optIndex());
    int optLength = optStart < 0 ? 0 : layout.recordEnds()[layout.optIndex()] - optStart;
    // Keep records up to the first that does not fit; stop at the OPT record, which is appended last.
    int keep = 0;
    int end = layout.questionEnd();
    int stop = layout.optIndex() < 0 ? layout.recordEnds().length : layout.optIndex();
    while (keep < stop && layout.recordEnds()[keep] + optLength <= limit) {
      end = layout.recordEnds()[keep];
      keep++;
    }
    int[] kept = new int[3];
    for (int i = 0, section = 0, seen = 0; i < keep; i++) {
      while (i >= seen + layout.counts()[section]) {
        seen += layout.counts()[section++];
      }
      kept[section]++;
    }
    boolean withOpt = optStart >= 0 && end + optLength <= limit;
    ByteBuf out = alloc.ioBuffer(end + (withOpt ? optLength : 0));
    out.writeBytes(reply, base, end);
    out.setShort(2, layout.flags() | Wire.TC);
    out.setShort(6, kept[0]);
    out.setShort(8, kept[1]);
    out.setShort(10, kept[2] + (withOpt ? 1 : 0));
    if (withOpt) {
      out.writeBytes(reply, base + optStart, optLength);
    }
    reply.release();
    return out;
  }
}

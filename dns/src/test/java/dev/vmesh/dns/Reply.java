package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: a reply decoded by Netty's DNS codec (an implementation independent of the proxy's own
 * parser), flattened into plain values for assertions.
 */
record Reply(int id, boolean aa, boolean tc, boolean rd, boolean ra, int rcode, List<Rr> questions, List<Rr> answers,
    List<Rr> authority, List<Rr> additional, byte[] raw) {

  /** One record; {@code data} is an IP for A/AAAA, a name for CNAME, hex otherwise. */
  record Rr(String name, int type, int dnsClass, long ttl, String data) {}

  private static final InetSocketAddress NOWHERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);

  /** Decodes {@code bytes}; throws when Netty's codec rejects them. */
  static Reply parse(byte[] bytes) {
    EmbeddedChannel ch = new EmbeddedChannel(new DatagramDnsResponseDecoder());
    try {
      ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), NOWHERE, NOWHERE));
      DnsResponse r = ch.readInbound();
      try {
        List<Rr> q = new ArrayList<>();
        for (int i = 0; i < r.count(DnsSection.QUESTION); i++) {
          DnsQuestion question = r.recordAt(DnsSection.QUESTION, i);
          q.add(new Rr(question.name(), question.type().intValue(), question.dnsClass(), 0, ""));
        }
        int flags = ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
        return new Reply(r.id(), r.isAuthoritativeAnswer(), r.isTruncated(), r.isRecursionDesired(),
            (flags & 0x80) != 0, r.code().intValue(), q, section(r, DnsSection.ANSWER), section(r, DnsSection.AUTHORITY),
            section(r, DnsSection.ADDITIONAL), bytes);
      } finally {
        r.release();
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static List<Rr> section(DnsResponse r, DnsSection s) {
    List<Rr> out = new ArrayList<>();
    for (int i = 0; i < r.count(s); i++) {
      DnsRecord rec = r.recordAt(s, i);
      String data = "";
      if (rec instanceof DnsPtrRecord ptr) {
        data = ptr.hostname();
      } else if (rec instanceof DnsRawRecord raw) {
        ByteBuf c = raw.content();
        int t = rec.type().intValue();
        if (t == TestQuery.A || t == TestQuery.AAAA) {
          try {
            data = InetAddress.getByAddress(ByteBufUtil.getBytes(c)).getHostAddress();
          } catch (UnknownHostException e) {
            data = "bad address";
          }
        } else if (t == TestQuery.CNAME) {
          data = DefaultDnsRecordDecoder.decodeName(c.duplicate());
        } else {
          data = ByteBufUtil.hexDump(c);
        }
      }
      out.add(new Rr(rec.name(), rec.type().intValue(), rec.dnsClass(), rec.timeToLive(), data));
    }
    return out;
  }

  /** The addresses in the answer section, in order. */
  List<String> addresses() {
    return answers.stream().filter(a -> a.type() == TestQuery.A || a.type() == TestQuery.AAAA).map(Rr::data).toList();
  }

  /** The OPT record, or null. */
  Rr opt() {
    return additional.stream().filter(a -> a.type() == TestQuery.OPT).findFirst().orElse(null);
  }
}

package dev.vmesh.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Test helper: builds query packets byte by byte (so tests control case, flags and EDNS exactly). */
final class TestQuery {
  static final int A = 1;
  static final int CNAME = 5;
  static final int PTR = 12;
  static final int MX = 15;
  static final int TXT = 16;
  static final int AAAA = 28;
  static final int SRV = 33;
  static final int OPT = 41;

  int id = ThreadLocalRandom.current().nextInt(1, 65536);
  int flags = 0x0100; // RD
  String name;
  int type;
  int dnsClass = 1;
  Integer ednsPayload;
  int ednsVersion;

  static TestQuery of(String name, int type) {
    TestQuery q = new TestQuery();
    q.name = name;
    q.type = type;
    return q;
  }

  TestQuery id(int id) {
    this.id = id;
    return this;
  }

  TestQuery flags(int flags) {
    this.flags = flags;
    return this;
  }

  TestQuery dnsClass(int c) {
    this.dnsClass = c;
    return this;
  }

  TestQuery edns(int payload) {
    this.ednsPayload = payload;
    return this;
  }

  TestQuery ednsVersion(int v) {
    this.ednsVersion = v;
    return this;
  }

  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    short16(out, id);
    short16(out, flags);
    short16(out, 1);
    short16(out, 0);
    short16(out, 0);
    short16(out, ednsPayload != null ? 1 : 0);
    out.writeBytes(name(name));
    short16(out, type);
    short16(out, dnsClass);
    if (ednsPayload != null) {
      out.write(0);
      short16(out, OPT);
      short16(out, ednsPayload);
      out.write(0);
      out.write(ednsVersion);
      short16(out, 0);
      short16(out, 0);
    }
    return out.toByteArray();
  }

  /** Wire form of a dotted name, case kept. */
  static byte[] name(String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (!n.isEmpty()) {
      for (String label : n.split("\\.", -1)) {
        byte[] b = label.getBytes(StandardCharsets.US_ASCII);
        out.write(b.length);
        out.writeBytes(b);
      }
    }
    out.write(0);
    return out.toByteArray();
  }

  static void short16(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v & 0xff);
  }
}

package dev.vmesh.pki;

import java.io.ByteArrayOutputStream;

/**
 * {@code Der} writes the few DER (X.690) encodings a certificate request needs: tag, definite length,
 * content. Written by hand (about 60 lines) so that the agent's requests need no ASN.1 library; the CA
 * reads them with BouncyCastle and the tests compare the bytes with what BouncyCastle writes.
 */
final class Der {
  static final int BOOLEAN = 0x01;
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;

  private Der() {}

  /** One element: {@code tag}, the length of {@code content}, {@code content}. */
  static byte[] element(int tag, byte[]... content) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] c : content) {
      body.writeBytes(c);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 6);
    out.write(tag);
    int n = body.size();
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  static byte[] sequence(byte[]... content) {
    return element(SEQUENCE, content);
  }

  static byte[] set(byte[]... content) {
    return element(SET, content);
  }

  /** An object identifier from its dotted form (first arc 0-2). */
  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    base128(body, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      base128(body, Long.parseLong(arcs[i]));
    }
    return element(OID, body.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long v) {
    int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
    for (int i = groups - 1; i > 0; i--) {
      out.write((int) (0x80 | ((v >>> (7 * i)) & 0x7f)));
    }
    out.write((int) (v & 0x7f));
  }
}

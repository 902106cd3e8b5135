package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile or broken queries end in FORMERR, NOTIMP, BADVERS or silence; the proxy keeps serving. */
class MalformedQueriesGetFormerrOrAreDroppedTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  static byte[] packet(int id, int flags, int qd, int an, int ns, int ar, byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int v : new int[] {id, flags, qd, an, ns, ar}) {
      TestQuery.short16(out, v);
    }
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static final byte[] TYPE_A_IN = bytes(0, 1, 0, 1);

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void questionCountOtherThanOneIsFormerr(boolean tcp) {
    assertFormerr(tcp, packet(0x1234, 0x0100, 0, 0, 0, 0));
    assertFormerr(tcp, packet(0x1234, 0x0100, 2, 0, 0, 0,
        TestQuery.name("a.example."), TYPE_A_IN, TestQuery.name("b.example."), TYPE_A_IN));
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void brokenNamesAreFormerr(boolean tcp) {
    // a compression pointer in the question (nothing before it to point at)
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 0, bytes(1, 'a', 0xc0, 12), TYPE_A_IN));
    // a 64-byte label (the 0x40 label type)
    byte[] label64 = new byte[66];
    label64[0] = 64;
    Arrays.fill(label64, 1, 65, (byte) 'x');
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 0, label64, TYPE_A_IN));
    // a name longer than 255 bytes: five 63-byte labels
    ByteArrayOutputStream longName = new ByteArrayOutputStream();
    for (int i = 0; i < 5; i++) {
      longName.write(63);
      longName.writeBytes("y".repeat(63).getBytes());
    }
    longName.write(0);
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 0, longName.toByteArray(), TYPE_A_IN));
    // the name runs past the end of the packet
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 0, bytes(10, 'a', 'b')));
    // no type and class after the name
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 0, TestQuery.name("a.example."), bytes(0)));
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void compressionLoopsAndOverlongRecordsAreFormerr(boolean tcp) {
    byte[] q = TestQuery.name("www.google.com.");
    int rrAt = 12 + q.length + 4;
    // an additional record whose owner is a pointer to itself
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 1, q, TYPE_A_IN,
        bytes(0xc0 | (rrAt >> 8), rrAt & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0)));
    // two pointers pointing at each other
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 1, q, TYPE_A_IN,
        bytes(1, 'a', 0xc0, rrAt, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0)));
    // a record data length past the end
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 1, q, TYPE_A_IN, bytes(0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 200, 1)));
    // more records announced than present
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 3, 0, 0, q, TYPE_A_IN));
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void ednsMistakesAreFormerrOrBadvers(boolean tcp) {
    byte[] q = TestQuery.name("www.google.com.");
    byte[] opt = bytes(0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0);
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 2, q, TYPE_A_IN, opt, opt)); // two OPT records
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 1, 0, 0, q, TYPE_A_IN, opt)); // OPT in the answer section
    assertFormerr(tcp, packet(0x1234, 0x0100, 1, 0, 0, 1, q, TYPE_A_IN,
        bytes(1, 'x', 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0))); // OPT not owned by the root

    Reply badvers = Reply.parse(DnsClient.ask(tcp, f.address(),
        TestQuery.of("www.google.com.", TestQuery.A).id(77).edns(1232).ednsVersion(1).bytes()));
    assertThat(badvers.id()).isEqualTo(77);
    assertThat(badvers.answers()).isEmpty();
    assertThat(badvers.opt()).isNotNull();
    assertThat(badvers.opt().ttl() >>> 24).isEqualTo(1); // extended RCODE 16 = BADVERS
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void opcodesOtherThanQueryAreNotImplemented(boolean tcp) {
    for (int opcode : new int[] {1, 2, 4, 5}) {
      byte[] reply = DnsClient.ask(tcp, f.address(), packet(0x4321, 0x0100 | (opcode << 11), 1, 0, 0, 0,
          TestQuery.name("www.google.com."), TYPE_A_IN));
      Reply r = Reply.parse(reply);
      assertThat(r.id()).isEqualTo(0x4321);
      assertThat(r.rcode()).isEqualTo(4);
      assertThat((reply[2] >> 3) & 0xf).isEqualTo(opcode);
    }
  }

  @Test
  void shortPacketsAndResponsesAreDroppedOverUdp() throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      s.setSoTimeout(DnsClient.SAFETY_TIMEOUT_MS);
      send(s, bytes(1, 2, 3, 4, 5));
      send(s, bytes());
      send(s, packet(0x1111, 0x8000, 1, 0, 0, 0, TestQuery.name("www.google.com."), TYPE_A_IN)); // QR: a response
      send(s, TestQuery.of("www.google.com.", TestQuery.A).id(0x2222).bytes());
      // Datagrams from one socket are handled in order: the first reply is for the good query.
      assertThat(Reply.parse(DnsClient.receive(s)).id()).isEqualTo(0x2222);
    }
  }

  @Test
  void aTcpConnectionSendingSomethingUnanswerableIsClosed() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(f.address(), DnsClient.SAFETY_TIMEOUT_MS);
      s.setSoTimeout(DnsClient.SAFETY_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(5);
      out.write(bytes(1, 2, 3, 4, 5));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertThatThrownBy(() -> DnsClient.readFrame(in)).isInstanceOf(EOFException.class);
    }
  }

  @Test
  void tcpQueriesOnOneConnectionAreAnsweredInTurn() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(f.address(), DnsClient.SAFETY_TIMEOUT_MS);
      s.setSoTimeout(DnsClient.SAFETY_TIMEOUT_MS);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] bad = packet(9, 0x0100, 0, 0, 0, 0);
      byte[] good = TestQuery.of("www.google.com.", TestQuery.A).id(10).bytes();
      for (byte[] q : new byte[][] {bad, good}) {
        out.writeShort(q.length);
        out.write(q);
      }
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      assertThat(Reply.parse(DnsClient.readFrame(in)).rcode()).isEqualTo(1);
      assertThat(Reply.parse(DnsClient.readFrame(in)).addresses()).containsExactly("1.1.1.1");
    }
  }

  private static void send(DatagramSocket s, byte[] b) throws Exception {
    s.send(new DatagramPacket(b, b.length, f.address()));
  }

  private static void assertFormerr(boolean tcp, byte[] query) {
    Reply r = Reply.parse(DnsClient.ask(tcp, f.address(), query));
    assertThat(r.id()).isEqualTo(0x1234);
    assertThat(r.rcode()).isEqualTo(1);
    assertThat(r.answers()).isEmpty();
    assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
  }
}

package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy's UDP socket on Linux reads every datagram already queued with one {@code recvmmsg} (up to
 * {@link UdpSocket#BATCH}) and sends the batch's replies with one {@code sendmmsg}, each to the client
 * that sent its datagram; the channel socket (other platforms, or batching turned off) reads one at a
 * time with the same results. Datagrams on loopback are queued at the receiver when {@code send}
 * returns, so a batch's size here does not depend on timing.
 */
class QueuedDatagramsAreReadAsOneBatchAndAnsweredEachToItsSenderTest {
  static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  static boolean linux() {
    return System.getProperty("os.name").equals("Linux");
  }

  /** On Linux with Java 22+ (the build compiles MmsgUdpSocket with a JDK 22 or newer). */
  static boolean batching() {
    return linux() && Runtime.version().feature() >= 22;
  }

  @Test
  void onLinuxTheSocketIsBatched() throws Exception {
    assumeThat(batching()).isTrue();
    UdpSocket s = UdpSocket.open(LOOPBACK, false, 512, true);
    try {
      assertThat(s.kind()).as("MmsgUdpSocket loads on Java %s", Runtime.version()).isEqualTo("recvmmsg");
    } finally {
      s.shutdown();
      s.close();
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void everyQueuedDatagramIsReadAndEachReplyReachesItsSender(boolean batched) throws Exception {
    UdpSocket s = UdpSocket.open(LOOPBACK, false, 512, batched);
    List<DatagramSocket> clients = new ArrayList<>();
    try {
      for (int c = 0; c < 3; c++) {
        DatagramSocket client = new DatagramSocket(LOOPBACK);
        client.setSoTimeout(20_000);
        clients.add(client);
      }
      int perClient = 7; // 21 datagrams: more than one batch
      for (int k = 0; k < perClient; k++) {
        for (int c = 0; c < clients.size(); c++) {
          byte[] m = ("c" + c + "-" + k).getBytes(StandardCharsets.US_ASCII);
          clients.get(c).send(new DatagramPacket(m, m.length, s.localAddress()));
        }
      }
      int total = clients.size() * perClient;
      List<Integer> batches = new ArrayList<>();
      for (int got = 0; got < total; ) {
        int n = s.receive();
        batches.add(n);
        for (int i = 0; i < n; i++) {
          String text = s.datagram(i).toString(StandardCharsets.US_ASCII);
          int c = text.charAt(1) - '0';
          assertThat(s.sender(i)).isEqualTo(clients.get(c).getLocalSocketAddress());
          s.reply(i, Unpooled.copiedBuffer("re:" + text, StandardCharsets.US_ASCII));
        }
        s.flush();
        got += n;
      }
      if (batched && s.kind().equals("recvmmsg")) {
        assertThat(batches).containsExactly(UdpSocket.BATCH, total - UdpSocket.BATCH);
      } else {
        assertThat(batches).hasSize(total).containsOnly(1);
      }
      for (int c = 0; c < clients.size(); c++) {
        for (int k = 0; k < perClient; k++) {
          assertThat(receive(clients.get(c))).isEqualTo("re:c" + c + "-" + k);
        }
      }
    } finally {
      clients.forEach(DatagramSocket::close);
      s.shutdown();
      s.close();
    }
  }

  /**
   * The batched socket lends each reply its send slot ({@link UdpSocket#replyBuffer}): what is written
   * there goes out as written, beside replies in buffers of the caller's (copied into their slots), and the
   * slots are lent again batch after batch, never released. The channel socket lends nothing.
   */
  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void repliesWrittenIntoLentSendSlotsGoOutBesideCopiedOnes(boolean batched) throws Exception {
    UdpSocket s = UdpSocket.open(LOOPBACK, false, 512, batched);
    boolean lends = s.kind().equals("recvmmsg");
    try (DatagramSocket client = new DatagramSocket(LOOPBACK)) {
      client.setSoTimeout(20_000);
      int total = UdpSocket.BATCH + 4; // two batches
      for (int k = 0; k < total; k++) {
        byte[] m = ("q" + k).getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(m, m.length, s.localAddress()));
      }
      List<ByteBuf> lent = new ArrayList<>();
      for (int got = 0; got < total; ) {
        int n = s.receive();
        for (int i = 0; i < n; i++) {
          String text = s.datagram(i).toString(StandardCharsets.US_ASCII);
          assertThat(s.replyBuffer(513)).as("more than a slot holds").isNull();
          ByteBuf slot = (got + i) % 3 == 2 ? null : s.replyBuffer(64); // every third reply in a buffer of our own
          if (slot != null) {
            assertThat(slot.readerIndex()).isZero();
            assertThat(slot.writerIndex()).isZero();
            lent.add(slot);
          }
          ByteBuf reply = slot != null ? slot : Unpooled.buffer();
          reply.writeCharSequence((slot != null ? "slot:" : "own:") + text, StandardCharsets.US_ASCII);
          s.reply(i, reply);
        }
        s.flush();
        got += n;
      }
      if (lends) {
        assertThat(lent).hasSize(total - total / 3).allSatisfy(b -> assertThat(b.refCnt()).isEqualTo(1));
        Set<ByteBuf> slots = Collections.newSetFromMap(new IdentityHashMap<>());
        slots.addAll(lent);
        assertThat(slots).as("slots are reused").hasSizeLessThanOrEqualTo(UdpSocket.BATCH);
      } else {
        assertThat(lent).isEmpty();
      }
      for (int k = 0; k < total; k++) {
        String expected = (lends && k % 3 != 2 ? "slot:" : "own:") + "q" + k;
        assertThat(receive(client)).isEqualTo(expected);
      }
    } finally {
      s.shutdown();
      s.close();
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void onlyTheBatchedSocketOnIpv4LoopbackSendsWithDontFragment(boolean batched) throws Exception {
    for (InetAddress address : List.of(InetAddress.getLoopbackAddress(), InetAddress.getByName("0.0.0.0"))) {
      UdpSocket s = UdpSocket.open(new InetSocketAddress(address, 0), false, 512, batched);
      try {
        boolean expected = s.kind().equals("recvmmsg") && address.isLoopbackAddress();
        assertThat(s.dontFragment()).as("%s on %s", s.kind(), address).isEqualTo(expected);
      } finally {
        s.shutdown();
        s.close();
      }
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void aDatagramLongerThanThePayloadLimitIsCutShort(boolean batched) throws Exception {
    UdpSocket s = UdpSocket.open(LOOPBACK, false, 512, batched);
    try (DatagramSocket client = new DatagramSocket(LOOPBACK)) {
      byte[] big = new byte[2000];
      Arrays.fill(big, (byte) 7);
      client.send(new DatagramPacket(big, big.length, s.localAddress()));
      client.send(new DatagramPacket(new byte[] {1, 2}, 2, s.localAddress()));
      List<Integer> lengths = new ArrayList<>();
      while (lengths.size() < 2) {
        int n = s.receive();
        for (int i = 0; i < n; i++) {
          lengths.add(s.datagram(i).readableBytes());
        }
      }
      assertThat(lengths).containsExactly(512, 2);
    } finally {
      s.shutdown();
      s.close();
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void shutdownWakesABlockedReceiveAndClosingFreesThePort(boolean batched) throws Exception {
    UdpSocket s = UdpSocket.open(LOOPBACK, false, 512, batched);
    InetSocketAddress address = s.localAddress();
    CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> {
      try {
        return s.receive();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    s.shutdown();
    await().atMost(Duration.ofSeconds(20)).until(receiving::isDone);
    assertThatThrownBy(receiving::join).hasRootCauseInstanceOf(ClosedChannelException.class);
    s.close();
    s.send(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), Unpooled.buffer().writeByte(1)); // dropped
    try (DatagramSocket again = new DatagramSocket(address)) {
      assertThat(again.getLocalPort()).isEqualTo(address.getPort());
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void aTakenPortIsABindException(boolean batched) throws Exception {
    try (DatagramSocket taken = new DatagramSocket(LOOPBACK)) {
      assertThatThrownBy(() -> UdpSocket.open((InetSocketAddress) taken.getLocalSocketAddress(), false, 512, batched))
          .isInstanceOf(BindException.class).hasMessageContaining("in use");
    }
  }

  @ParameterizedTest(name = "batched={0}")
  @ValueSource(booleans = {false, true})
  void anIpv6SocketAnswersIpv6AndIpv4Clients(boolean batched) throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    assumeThat(NetworkInterface.getByInetAddress(v6)).as("::1 configured").isNotNull();
    UdpSocket s = UdpSocket.open(new InetSocketAddress(InetAddress.getByName("::"), 0), false, 512, batched);
    try (DatagramSocket six = new DatagramSocket(new InetSocketAddress(v6, 0));
        DatagramSocket four = new DatagramSocket(LOOPBACK)) {
      six.setSoTimeout(20_000);
      four.setSoTimeout(20_000);
      six.send(new DatagramPacket(new byte[] {6}, 1, new InetSocketAddress(v6, s.localAddress().getPort())));
      four.send(new DatagramPacket(new byte[] {4}, 1,
          new InetSocketAddress(InetAddress.getLoopbackAddress(), s.localAddress().getPort())));
      List<InetSocketAddress> senders = new ArrayList<>();
      while (senders.size() < 2) {
        int n = s.receive();
        for (int i = 0; i < n; i++) {
          senders.add(s.sender(i));
          s.reply(i, Unpooled.wrappedBuffer(new byte[] {(byte) (s.datagram(i).getByte(0) + 10)}));
        }
        s.flush();
      }
      assertThat(senders).containsExactly((InetSocketAddress) six.getLocalSocketAddress(),
          (InetSocketAddress) four.getLocalSocketAddress());
      assertThat(receiveBytes(six)).containsExactly(16);
      assertThat(receiveBytes(four)).containsExactly(14);
      // and a send from another thread reaches an IPv4 client through the IPv6 socket
      s.send((InetSocketAddress) four.getLocalSocketAddress(), Unpooled.wrappedBuffer(new byte[] {44}));
      assertThat(receiveBytes(four)).containsExactly(44);
    } finally {
      s.shutdown();
      s.close();
    }
  }

  private static String receive(DatagramSocket client) throws Exception {
    return new String(receiveBytes(client), StandardCharsets.US_ASCII);
  }

  private static byte[] receiveBytes(DatagramSocket client) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[600], 600);
    client.receive(p);
    return Arrays.copyOf(p.getData(), p.getLength());
  }
}

package dev.vmesh.bench.dns;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * The floor under any UDP DNS server: every datagram is sent straight back with the response flag
 * set and nothing else done (no parsing, no lookup, no answer records). Its CPU per query is what the
 * kernel charges for one receive, one send and the wake-ups around them, plus a few microseconds of
 * Java; no server that answers from a table can use less. {@code bench/dns/run.sh} runs it as the
 * server {@code floor} to show how much of the proxy's CPU is that floor.
 *
 * <p>Usage: {@code java -cp bench/target/benchmarks.jar dev.vmesh.bench.dns.UdpFloor PORT}
 */
public final class UdpFloor {
  private UdpFloor() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: UdpFloor PORT (listens on 127.0.0.1:PORT)");
      System.exit(2);
    }
    try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
      ch.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
      ByteBuffer buf = ByteBuffer.allocateDirect(1232);
      while (true) {
        buf.clear();
        SocketAddress from = ch.receive(buf);
        buf.flip();
        if (buf.remaining() >= 12) {
          buf.put(2, (byte) (buf.get(2) | 0x80)); // QR: a response, NOERROR, no answers
          ch.send(buf, from);
        }
      }
    }
  }
}

package dev.vmesh.dist;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@code DnsClient} asks one A question over UDP and returns the IPv4 addresses of the answer (tests only). */
final class DnsClient {
  private DnsClient() {}

  static List<String> a(InetSocketAddress server, String name) throws IOException {
    ByteBuffer q = ByteBuffer.allocate(512);
    q.putShort((short) 0x1d2c).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
    for (String label : name.split("\\.")) {
      byte[] b = label.getBytes(StandardCharsets.US_ASCII);
      q.put((byte) b.length).put(b);
    }
    q.put((byte) 0).putShort((short) 1).putShort((short) 1);
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(2000);
      s.send(new DatagramPacket(q.array(), q.position(), server));
      DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
      s.receive(reply);
      ByteBuffer r = ByteBuffer.wrap(reply.getData(), 0, reply.getLength());
      r.position(6);
      int answers = Short.toUnsignedInt(r.getShort());
      r.position(12);
      skipName(r);
      r.position(r.position() + 4);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < answers; i++) {
        skipName(r);
        int type = Short.toUnsignedInt(r.getShort());
        r.position(r.position() + 6); // class, ttl
        int length = Short.toUnsignedInt(r.getShort());
        byte[] data = new byte[length];
        r.get(data);
        if (type == 1 && length == 4) {
          out.add(InetAddress.getByAddress(data).getHostAddress());
        }
      }
      return out;
    }
  }

  private static void skipName(ByteBuffer r) {
    while (true) {
      int len = Byte.toUnsignedInt(r.get());
      if (len == 0) {
        return;
      }
      if ((len & 0xc0) == 0xc0) { // a pointer ends the name
        r.get();
        return;
      }
      r.position(r.position() + len);
    }
  }
}

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * The server "ffloor" of bench/dns/run.sh: bench/dns/floor.c in Java, calling libc's socket, bind,
 * recvfrom and sendto directly through the foreign function API (JDK 22+) instead of going through
 * java.nio's DatagramChannel. What it costs beyond cfloor is the JVM's share of a downcall; what the Java
 * floor (UdpFloor, DatagramChannel) costs beyond it is the channel's path (locks, begin/end, the sender's
 * InetSocketAddress). Run as a source file: java --enable-native-access=ALL-UNNAMED FfmFloor.java PORT
 */
public final class FfmFloor {
  public static void main(String[] args) throws Throwable {
    Linker c = Linker.nativeLinker();
    var libc = c.defaultLookup();
    MethodHandle socket = c.downcallHandle(libc.find("socket").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    MethodHandle bind = c.downcallHandle(libc.find("bind").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    MethodHandle recvfrom = c.downcallHandle(libc.find("recvfrom").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    MethodHandle sendto = c.downcallHandle(libc.find("sendto").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    Arena arena = Arena.global();
    int fd = (int) socket.invokeExact(2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0);
    MemorySegment addr = arena.allocate(16);
    addr.set(JAVA_SHORT, 0, (short) 2);
    addr.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) Integer.parseInt(args[0]));
    addr.set(JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN), 4, 0x7f000001);
    if ((int) bind.invokeExact(fd, addr, 16) != 0) {
      throw new IllegalStateException("bind failed");
    }
    MemorySegment buf = arena.allocate(4096);
    MemorySegment from = arena.allocate(28);
    MemorySegment fromLen = arena.allocate(JAVA_INT);
    while (true) {
      fromLen.set(JAVA_INT, 0, 28);
      long n = (long) recvfrom.invokeExact(fd, buf, 4096L, 0, from, fromLen);
      if (n < 3) {
        continue;
      }
      buf.set(JAVA_BYTE, 2, (byte) (buf.get(JAVA_BYTE, 2) | 0x80)); // QR: a response
      long sent = (long) sendto.invokeExact(fd, buf, n, 0, from, fromLen.get(JAVA_INT, 0));
    }
  }
}

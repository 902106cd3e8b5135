package dev.vmesh.dns;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code MmsgUdpSocket} is a {@link UdpSocket} that calls Linux's socket functions through the foreign
 * function API (Java 22+; compiled from src/main/java22, found by {@link UdpSocket#open}): one
 * {@code recvmmsg} with {@code MSG_WAITFORONE} per wake-up (it blocks for the first datagram, then takes
 * whatever else is queued, up to the batch size) and one {@code sendmmsg} for the batch's replies. No
 * readiness wait, no read that finds the socket empty, no copy (a reply is written straight into its send
 * slot, which {@link #replyBuffer} lends), no object per datagram (senders are cached by address and port). java.nio has no batched calls, and
 * Netty's epoll channel has them only behind an event loop's {@code epoll_wait} and empty reads, which
 * cost more per query than they save at a VM's query rates (docs/benchmarks.md, "DNS proxy").
 *
 * <p>Memory: per batch slot one receive and one send buffer of the largest payload, in one native
 * arena freed by {@link #close()}. The receive side belongs to the listener's thread; {@link #send}
 * (forwarded replies, from an event loop) has its own buffer under a lock, which also keeps the file
 * descriptor from being closed while it is used.
 */
final class MmsgUdpSocket implements UdpSocket {
  private static final Logger log = LoggerFactory.getLogger(MmsgUdpSocket.class);

  // Linux's values (the same on x86-64 and arm64, the only machines UdpSocket.open uses this class on).
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVBUF = 8;
  private static final int SO_REUSEPORT = 15;
  private static final int IPPROTO_IP = 0;
  private static final int IP_MTU_DISCOVER = 10;
  private static final int IP_PMTUDISC_PROBE = 3;
  private static final int IPPROTO_IPV6 = 41;
  private static final int IPV6_V6ONLY = 26;
  private static final int MSG_WAITFORONE = 0x10000;
  private static final int SHUT_RDWR = 2;
  private static final int EINTR = 4;
  private static final int EADDRINUSE = 98;
  private static final int EADDRNOTAVAIL = 99;
  /** sockaddr_in6, the larger of the two addresses. */
  private static final int SOCKADDR = 28;

  // struct iovec, struct msghdr and struct mmsghdr on 64-bit Linux
  private static final StructLayout IOVEC = MemoryLayout.structLayout(ADDRESS.withName("iov_base"),
      JAVA_LONG.withName("iov_len"));
  private static final StructLayout MSGHDR = MemoryLayout.structLayout(ADDRESS.withName("msg_name"),
      JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4), ADDRESS.withName("msg_iov"),
      JAVA_LONG.withName("msg_iovlen"), ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
      JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
  private static final StructLayout MMSGHDR = MemoryLayout.structLayout(MSGHDR.withName("msg_hdr"),
      JAVA_INT.withName("msg_len"), MemoryLayout.paddingLayout(4));
  private static final long HDR = MMSGHDR.byteSize();
  private static final long NAME = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
  private static final long NAMELEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_namelen"));
  private static final long IOV = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
  private static final long IOVLEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
  private static final long LEN = MMSGHDR.byteOffset(groupElement("msg_len"));
  private static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));
  private static final ValueLayout.OfShort NET_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfInt NET_INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);

  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final long ERRNO = CALL_STATE.byteOffset(groupElement("errno"));
  private static final MethodHandle SOCKET = errnoFunction("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
  private static final MethodHandle SETSOCKOPT = errnoFunction("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
      ADDRESS, JAVA_INT);
  private static final MethodHandle BIND = errnoFunction("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle GETSOCKOPT = errnoFunction("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
      ADDRESS, ADDRESS);
  private static final MethodHandle GETSOCKNAME = errnoFunction("getsockname", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
  private static final MethodHandle RECVMMSG = errnoFunction("recvmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
      JAVA_INT, ADDRESS);
  private static final MethodHandle SENDMMSG = errnoFunction("sendmmsg", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
      JAVA_INT);
  private static final MethodHandle SENDTO = errnoFunction("sendto", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT,
      ADDRESS, JAVA_INT);
  private static final MethodHandle SHUTDOWN = function("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle STRERROR = function("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  /** Senders seen lately (IPv4 address and port as one key): a client's queries come from few ports. */
  private static final int SENDER_CACHE = 64;

  private final int fd;
  private final boolean ipv6;
  private final InetSocketAddress localAddress;
  private final int batch;
  private final int slot;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment in;
  private final MemorySegment names;
  private final MemorySegment out;
  private final MemorySegment outIov;
  private final MemorySegment rxState;
  private final ByteBuf[] received;
  private final ByteBuf[] replies;
  private final long[] senderKeys = new long[SENDER_CACHE];
  private final InetSocketAddress[] senders = new InetSocketAddress[SENDER_CACHE];
  private int queued;
  /** Datagrams the last receive returned: the entries whose sender length the kernel overwrote. */
  private int lastReceived;

  private final Object sendLock = new Object();
  private final MemorySegment txName;
  private final MemorySegment txData;
  private final ByteBuf txBuf;
  private final MemorySegment txState;
  private boolean closed; // guarded by sendLock
  private volatile boolean closing;

  private MmsgUdpSocket(int fd, boolean ipv6, InetSocketAddress localAddress, int slot, int batch) {
    this.fd = fd;
    this.ipv6 = ipv6;
    this.localAddress = localAddress;
    this.batch = batch;
    this.slot = slot;
    in = arena.allocate(MMSGHDR, batch);
    MemorySegment inIov = arena.allocate(IOVEC, batch);
    names = arena.allocate((long) SOCKADDR * batch, 8);
    MemorySegment inData = arena.allocate((long) slot * batch, 8);
    out = arena.allocate(MMSGHDR, batch);
    outIov = arena.allocate(IOVEC, batch);
    MemorySegment outData = arena.allocate((long) slot * batch, 8);
    rxState = arena.allocate(CALL_STATE);
    received = new ByteBuf[batch];
    replies = new ByteBuf[batch];
    for (int i = 0; i < batch; i++) {
      MemorySegment data = inData.asSlice((long) i * slot, slot);
      inIov.setAtIndex(ADDRESS, 2L * i, data);
      inIov.set(JAVA_LONG, i * IOVEC.byteSize() + IOV_LEN, slot);
      in.set(ADDRESS, i * HDR + NAME, names.asSlice((long) i * SOCKADDR, SOCKADDR));
      in.set(ADDRESS, i * HDR + IOV, inIov.asSlice(i * IOVEC.byteSize(), IOVEC.byteSize()));
      in.set(JAVA_LONG, i * HDR + IOVLEN, 1);
      in.set(JAVA_INT, i * HDR + NAMELEN, SOCKADDR);
      received[i] = Unpooled.wrappedBuffer(data.asByteBuffer());
      MemorySegment reply = outData.asSlice((long) i * slot, slot);
      outIov.setAtIndex(ADDRESS, 2L * i, reply);
      out.set(ADDRESS, i * HDR + IOV, outIov.asSlice(i * IOVEC.byteSize(), IOVEC.byteSize()));
      out.set(JAVA_LONG, i * HDR + IOVLEN, 1);
      replies[i] = Unpooled.wrappedBuffer(reply.asByteBuffer());
    }
    Arrays.fill(senderKeys, -1);
    txName = arena.allocate(SOCKADDR, 8);
    txData = arena.allocate(slot, 8);
    txBuf = Unpooled.wrappedBuffer(txData.asByteBuffer());
    txState = arena.allocate(CALL_STATE);
  }

  /** Binds {@code address}; called by {@link UdpSocket#open} through a method handle. */
  static UdpSocket open(InetSocketAddress address, boolean reusePort, int maxPayload, int batch) throws IOException {
    boolean v6 = address.getAddress() instanceof Inet6Address;
    try (Arena setup = Arena.ofConfined()) {
      MemorySegment state = setup.allocate(CALL_STATE);
      int fd = (int) invoke(SOCKET, state, v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new IOException("socket: " + strerror(errno(state)));
      }
      try {
        MemorySegment value = setup.allocate(JAVA_INT);
        setOption(fd, SOL_SOCKET, SO_RCVBUF, ChannelUdpSocket.SOCKET_BUFFER, value, state); // absorb bursts
        if (reusePort) {
          setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1, value, state);
        }
        if (v6) {
          setOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, value, state); // as Java's sockets: IPv4 clients too
        } else if (address.getAddress().isLoopbackAddress()) {
          setOption(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE, value, state); // DF: see dontFragment()
        }
        MemorySegment name = setup.allocate(SOCKADDR, 8);
        int length = encode(address, v6, name);
        if ((int) invoke(BIND, state, fd, name, length) != 0) {
          int errno = errno(state);
          String message = strerror(errno);
          throw errno == EADDRINUSE || errno == EADDRNOTAVAIL ? new BindException(message) : new IOException(message);
        }
        MemorySegment nameLength = setup.allocate(JAVA_INT);
        nameLength.set(JAVA_INT, 0, SOCKADDR);
        if ((int) invoke(GETSOCKNAME, state, fd, name, nameLength) != 0) {
          throw new IOException("getsockname: " + strerror(errno(state)));
        }
        int port = Short.toUnsignedInt(name.get(NET_SHORT, 2));
        return new MmsgUdpSocket(fd, v6, new InetSocketAddress(address.getAddress(), port), maxPayload, batch);
      } catch (IOException | RuntimeException | Error e) {
        invoke(CLOSE, fd);
        throw e;
      }
    }
  }

  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  @Override
  public String kind() {
    return "recvmmsg";
  }

  @Override
  public boolean dontFragment() {
    if (ipv6) {
      return false;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment value = a.allocate(JAVA_INT);
      MemorySegment length = a.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, 4);
      MemorySegment state = a.allocate(CALL_STATE);
      synchronized (sendLock) {
        if (closed || (int) invoke(GETSOCKOPT, state, fd, IPPROTO_IP, IP_MTU_DISCOVER, value, length) != 0) {
          return false;
        }
      }
      return value.get(JAVA_INT, 0) == IP_PMTUDISC_PROBE;
    }
  }

  @Override
  public int receive() throws IOException {
    while (true) {
      if (closing) {
        throw new ClosedChannelException();
      }
      // value-result: the kernel wrote the sender's length into the entries it filled last time (only
      // those: at a low rate a batch is one datagram, and the other entries' cache lines stay untouched)
      for (int i = 0; i < lastReceived; i++) {
        in.set(JAVA_INT, i * HDR + NAMELEN, SOCKADDR);
      }
      lastReceived = 0;
      int n = recvmmsg();
      if (closing) {
        throw new ClosedChannelException(); // shutdown() woke the call
      }
      if (n > 0) {
        lastReceived = n;
        for (int i = 0; i < n; i++) {
          received[i].setIndex(0, Math.min(in.get(JAVA_INT, i * HDR + LEN), slot));
        }
        return n;
      }
      int errno = n < 0 ? errno(rxState) : EINTR;
      if (errno != EINTR) {
        throw new IOException("recvmmsg: " + strerror(errno));
      }
    }
  }

  @Override
  public ByteBuf datagram(int i) {
    return received[i];
  }

  @Override
  public InetSocketAddress sender(int i) {
    long base = (long) i * SOCKADDR;
    int port = Short.toUnsignedInt(names.get(NET_SHORT, base + 2));
    if (names.get(JAVA_SHORT, base) == AF_INET) {
      long key = Integer.toUnsignedLong(names.get(NET_INT, base + 4)) << 16 | port;
      int at = (int) (key ^ key >>> 16 ^ key >>> 32) & (SENDER_CACHE - 1);
      if (senderKeys[at] != key) {
        senders[at] = new InetSocketAddress(address(names.asSlice(base + 4, 4).toArray(JAVA_BYTE), 0), port);
        senderKeys[at] = key;
      }
      return senders[at];
    }
    // IPv6 (an IPv4-mapped one becomes the IPv4 address, as java.net does)
    return new InetSocketAddress(address(names.asSlice(base + 8, 16).toArray(JAVA_BYTE),
        names.get(JAVA_INT, base + 24)), port);
  }

  private static InetAddress address(byte[] bytes, int scope) {
    try {
      InetAddress a = InetAddress.getByAddress(bytes);
      return scope != 0 && a instanceof Inet6Address ? Inet6Address.getByAddress(null, bytes, scope) : a;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
    }
  }

  @Override
  public ByteBuf replyBuffer(int size) {
    if (queued == batch || size > slot) {
      return null;
    }
    return replies[queued].clear(); // the next reply's send slot
  }

  @Override
  public void reply(int i, ByteBuf reply) {
    int length = reply.readableBytes();
    if (queued < batch && reply == replies[queued]) {
      reply.discardReadBytes(); // lent by replyBuffer: the reply is in its send slot already (from the slot's start)
    } else if (queued == batch || length > slot) {
      try {
        send(sender(i), reply); // cannot happen with one reply per datagram of at most the payload limit
      } catch (IOException e) {
        log.debug("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress, sender(i), e.toString());
      }
      return;
    } else {
      try {
        replies[queued].setBytes(0, reply, reply.readerIndex(), length);
      } finally {
        reply.release();
      }
    }
    long at = queued * HDR;
    out.set(JAVA_LONG, at + NAME, names.address() + (long) i * SOCKADDR); // the sender's address as received
    out.set(JAVA_INT, at + NAMELEN, in.get(JAVA_INT, i * HDR + NAMELEN));
    outIov.set(JAVA_LONG, queued * IOVEC.byteSize() + IOV_LEN, length);
    queued++;
  }

  @Override
  public void flush() {
    int sent = 0;
    while (sent < queued) {
      MemorySegment from = sent == 0 ? out : out.asSlice(sent * HDR);
      int n = sendmmsg(from, queued - sent);
      if (n > 0) {
        sent += n;
        continue;
      }
      int errno = n < 0 ? errno(rxState) : EINTR;
      if (errno != EINTR) {
        // the first datagram left was refused (e.g. by a firewall rule): the others still go
        log.debug("event=dns_udp_error listener={} error=\"sendmmsg: {}\"", localAddress, strerror(errno));
        sent++;
      }
    }
    queued = 0;
  }

  @Override
  public void send(InetSocketAddress to, ByteBuf data) throws IOException {
    try {
      synchronized (sendLock) {
        if (closed) {
          return;
        }
        int length = data.readableBytes();
        if (length > slot) {
          throw new IOException("a reply of " + length + " bytes is larger than the " + slot + " bytes a UDP reply may be");
        }
        int nameLength = encode(to, ipv6, txName);
        if (nameLength < 0) {
          throw new IOException("an IPv4 socket cannot send to " + to);
        }
        txBuf.setBytes(0, data, data.readerIndex(), length);
        while (sendto(length, nameLength) < 0) {
          int errno = errno(txState);
          if (errno != EINTR) {
            throw new IOException("sendto: " + strerror(errno));
          }
        }
      }
    } finally {
      data.release();
    }
  }

  @Override
  public void shutdown() {
    closing = true;
    synchronized (sendLock) {
      if (!closed) {
        invoke(SHUTDOWN, fd, SHUT_RDWR); // wakes a receive blocked in recvmmsg (ENOTCONN on UDP is expected)
      }
    }
  }

  @Override
  public void close() {
    closing = true;
    synchronized (sendLock) {
      if (closed) {
        return;
      }
      closed = true;
      invoke(CLOSE, fd);
    }
    arena.close();
  }

  /** Writes {@code address} as a sockaddr for a socket of the family {@code v6} says; -1 when it cannot. */
  private static int encode(InetSocketAddress address, boolean v6, MemorySegment sa) {
    byte[] ip = address.getAddress().getAddress();
    sa.fill((byte) 0);
    sa.set(NET_SHORT, 2, (short) address.getPort());
    if (!v6) {
      if (ip.length != 4) {
        return -1;
      }
      sa.set(JAVA_SHORT, 0, (short) AF_INET);
      MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 4, 4);
      return 16;
    }
    sa.set(JAVA_SHORT, 0, (short) AF_INET6);
    if (ip.length == 4) { // IPv4-mapped
      sa.set(JAVA_SHORT, 18, (short) -1);
      MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 20, 4);
    } else {
      MemorySegment.copy(ip, 0, sa, JAVA_BYTE, 8, 16);
      if (address.getAddress() instanceof Inet6Address a6) {
        sa.set(JAVA_INT, 24, a6.getScopeId());
      }
    }
    return SOCKADDR;
  }

  // The calls made per datagram, with exact types (invokeExact: no boxing, no argument array).

  private int recvmmsg() {
    try {
      return (int) RECVMMSG.invokeExact(rxState, fd, in, batch, MSG_WAITFORONE, MemorySegment.NULL);
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  private int sendmmsg(MemorySegment messages, int count) {
    try {
      return (int) SENDMMSG.invokeExact(rxState, fd, messages, count, 0);
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  private long sendto(int length, int nameLength) {
    try {
      return (long) SENDTO.invokeExact(txState, fd, txData, (long) length, 0, txName, nameLength);
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  private static void setOption(int fd, int level, int option, int value, MemorySegment scratch, MemorySegment state)
      throws IOException {
    scratch.set(JAVA_INT, 0, value);
    if ((int) invoke(SETSOCKOPT, state, fd, level, option, scratch, 4) != 0) {
      throw new IOException("setsockopt " + level + "/" + option + ": " + strerror(errno(state)));
    }
  }

  private static int errno(MemorySegment state) {
    return state.get(JAVA_INT, ERRNO);
  }

  private static String strerror(int errno) {
    MemorySegment text = (MemorySegment) invoke(STRERROR, errno);
    return text.reinterpret(256).getString(0);
  }

  private static MethodHandle errnoFunction(String name, ValueLayout result, MemoryLayout... args) {
    return function(name, FunctionDescriptor.of(result, args), Linker.Option.captureCallState("errno"));
  }

  private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(
        () -> new UnsupportedOperationException("libc has no " + name)), descriptor, options);
  }

  /** Calls a native function outside the per-datagram path; its handle throws nothing checked. */
  private static Object invoke(MethodHandle function, Object... args) {
    try {
      return function.invokeWithArguments(args);
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  private static RuntimeException unchecked(Throwable e) {
    if (e instanceof Error error) {
      throw error;
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e);
  }
}

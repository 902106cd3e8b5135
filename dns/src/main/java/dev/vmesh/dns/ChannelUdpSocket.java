package dev.vmesh.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ChannelUdpSocket} is a {@link UdpSocket} on a blocking {@code DatagramChannel}: batches of one
 * datagram (one {@code recvfrom}, one {@code sendto}), for platforms without {@code MmsgUdpSocket}.
 */
final class ChannelUdpSocket implements UdpSocket {
  private static final Logger log = LoggerFactory.getLogger(ChannelUdpSocket.class);
  static final int SOCKET_BUFFER = 1 << 20;

  private final DatagramChannel channel;
  private final InetSocketAddress localAddress;
  // One receive buffer for the life of the socket; a datagram larger than it is cut short.
  private final ByteBuffer in;
  private final ByteBuf packet;
  private InetSocketAddress sender;

  private ChannelUdpSocket(DatagramChannel channel, int maxPayload) throws IOException {
    this.channel = channel;
    this.localAddress = (InetSocketAddress) channel.getLocalAddress();
    this.in = ByteBuffer.allocateDirect(maxPayload);
    this.packet = Unpooled.wrappedBuffer(in);
  }

  /**
   * Binds {@code address} with a socket of its family (an IPv4 socket for an IPv4 address spares the
   * kernel the IPv4-mapped detour).
   */
  static ChannelUdpSocket open(InetSocketAddress address, boolean reusePort, int maxPayload) throws IOException {
    DatagramChannel ch = DatagramChannel.open(
        address.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER); // absorb bursts (the kernel may cap it)
      if (reusePort && !ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
        throw new IOException("several sockets on one port (--io-threads above 1) need SO_REUSEPORT, which this"
            + " platform lacks");
      }
      if (reusePort) {
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      ch.bind(address);
      return new ChannelUdpSocket(ch, maxPayload);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  @Override
  public String kind() {
    return "channel";
  }

  @Override
  public int receive() throws IOException {
    in.clear();
    sender = (InetSocketAddress) channel.receive(in);
    packet.setIndex(0, in.position());
    return 1;
  }

  @Override
  public ByteBuf datagram(int i) {
    return packet;
  }

  @Override
  public InetSocketAddress sender(int i) {
    return sender;
  }

  @Override
  public void reply(int i, ByteBuf reply) {
    try {
      send(sender, reply);
    } catch (IOException e) {
      log.debug("event=dns_udp_error listener={} client={} error=\"{}\"", localAddress, sender, e.toString());
    }
  }

  @Override
  public void flush() {
    // replies went out at once
  }

  @Override
  public void send(InetSocketAddress to, ByteBuf data) throws IOException {
    // An interrupted thread's blocking send would close the channel for everyone: send uninterrupted.
    boolean interrupted = Thread.interrupted();
    try {
      if (!channel.isOpen()) {
        return; // closed: dropped
      }
      channel.send(data.nioBufferCount() == 1 ? data.internalNioBuffer(data.readerIndex(), data.readableBytes())
          : data.nioBuffer(), to);
    } finally {
      data.release();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void shutdown() {
    close(); // wakes the blocked receive with AsynchronousCloseException
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("event=dns_udp_close_failed listener={} error=\"{}\"", localAddress, e.toString());
    }
  }
}

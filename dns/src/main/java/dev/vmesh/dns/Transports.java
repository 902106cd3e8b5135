package dev.vmesh.dns;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * {@code Transports} is the Netty transport in use: native epoll when the platform has it (and it is
 * wanted), else NIO, for TCP and the upstream sockets (UDP listeners are {@link UdpListener}s). One place
 * decides; every Netty channel is made through it.
 */
record Transports(String name, IoHandlerFactory ioHandler, Class<? extends DatagramChannel> datagram,
    Class<? extends ServerSocketChannel> server, Class<? extends SocketChannel> socket) {

  static Transports select(boolean preferNative) {
    if (preferNative && Epoll.isAvailable()) {
      return new Transports("epoll", EpollIoHandler.newFactory(), EpollDatagramChannel.class,
          EpollServerSocketChannel.class, EpollSocketChannel.class);
    }
    return new Transports("nio", NioIoHandler.newFactory(), NioDatagramChannel.class, NioServerSocketChannel.class,
        NioSocketChannel.class);
  }
}

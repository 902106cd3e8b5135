package dev.vmesh.store.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code TcpProxy} forwards a loopback port to another and can {@link #cut()} the network between them
 * (open connections are reset, new ones closed at once) and {@link #heal()} it: a partition between a
 * store and etcd while other clients still reach etcd.
 */
final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean cut;

  TcpProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("tcp-proxy-accept").start(this::acceptLoop);
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Resets every connection and refuses new ones until {@link #heal()}. */
  void cut() {
    cut = true;
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  void heal() {
    cut = false;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (cut) {
          client.setSoLinger(true, 0);
          client.close();
          continue;
        }
        Socket upstream;
        try {
          upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        } catch (IOException e) {
          closeQuietly(client);
          continue;
        }
        open.add(client);
        open.add(upstream);
        Thread.ofVirtual().start(() -> pipe(client, upstream));
        Thread.ofVirtual().start(() -> pipe(upstream, client));
      } catch (IOException e) {
        // closed, or etcd refused: the client sees its connection end
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    byte[] buf = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    cut();
  }
}

package dev.vmesh.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket speaking HTTP by hand, from a chosen loopback address, for tests that need slow or odd clients. */
final class RawClient implements AutoCloseable {
  private final Socket socket = new Socket();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  RawClient(String from, InetSocketAddress to) throws IOException {
    socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
    socket.connect(to, 5_000);
    socket.setSoTimeout(50);
  }

  RawClient send(String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return this;
  }

  /** Shuts the sending side down (as {@code nc -N} does after its input), keeping the receiving side open. */
  RawClient halfClose() throws IOException {
    socket.shutdownOutput();
    return this;
  }

  /** Reads what has arrived; true once the server closed the connection (end of stream or reset). */
  boolean closedByServer() {
    try {
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          return true;
        }
        received.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything received so far (call {@link #closedByServer()} first to read what is waiting). */
  String received() {
    closedByServer();
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

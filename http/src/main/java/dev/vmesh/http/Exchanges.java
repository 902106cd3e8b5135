package dev.vmesh.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Exchanges} reads one request at a time off a connection (the channel reads only when asked, and a
 * {@code FlowControlHandler} before this hands over one message per read), gathers its body up to the
 * limit, has the service answer it on a virtual thread, writes the answer, and only then reads the next.
 * Requests a limit refuses get their answer (413, 414, 431, 400) with {@code Connection: close}; the
 * connection then stops sending and drains what the client still sends until it closes or the body
 * timeout ends, so that the client reads the answer instead of a reset. A client that shuts its sending
 * side down (half-close) still gets the answer to what it sent; the connection closes after that answer,
 * at once when nothing is left to answer.
 */
final class Exchanges extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

  private final HttpPort.Shared port;
  private final ConnectionGuard guard;
  private HttpRequest request;
  private ByteArrayOutputStream body;
  private boolean draining;
  private boolean serving;
  private boolean inputShut;

  Exchanges(HttpPort.Shared port, ConnectionGuard guard) {
    this.port = port;
    this.guard = guard;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
    ctx.fireChannelActive();
  }

  /**
   * A read that brought no whole message (a request arriving in pieces) used up the read this handler asked
   * for; unless a request is being served, ask again.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!serving) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!ctx.channel().isActive()) {
        return; // what the decoder makes of a half-sent request when the connection closes
      }
      if (draining) {
        if (msg instanceof LastHttpContent && !(msg instanceof HttpRequest)) {
          ctx.close(); // the refused request has been read to its end: nothing more to drain
        }
        return;
      }
      if (msg instanceof HttpRequest r) {
        started(ctx, r);
      }
      if (request != null && msg instanceof HttpContent c) {
        content(ctx, c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
      if (draining || request != null) {
        ctx.read();
      }
    }
  }

  private void started(ChannelHandlerContext ctx, HttpRequest r) {
    if (r.decoderResult().isFailure()) {
      Throwable cause = r.decoderResult().cause();
      if (cause instanceof TooLongHttpLineException) {
        refuse(ctx, 414, "URITooLong", "the request line is longer than " + port.limits().maxRequestLineBytes()
            + " bytes; shorten the path or query");
      } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
        refuse(ctx, 431, "RequestHeaderFieldsTooLarge", "the request headers are larger than "
            + port.limits().maxHeaderBytes() + " bytes in all");
      } else {
        refuse(ctx, 400, "BadRequest", "malformed HTTP request: " + cause.getMessage());
      }
      return;
    }
    guard.headersDone(ctx);
    long length = HttpUtil.getContentLength(r, -1L);
    if (length > port.limits().maxBodyBytes()) {
      refuse(ctx, 413, "RequestEntityTooLarge", tooLarge(length + " bytes"));
      return;
    }
    if (HttpUtil.is100ContinueExpected(r)) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
          Unpooled.EMPTY_BUFFER));
    }
    request = r;
    body = new ByteArrayOutputStream(length > 0 ? (int) length : 0);
  }

  private void content(ChannelHandlerContext ctx, HttpContent c) {
    if (c.decoderResult().isFailure()) {
      request = null;
      refuse(ctx, 400, "BadRequest", "malformed HTTP request body: " + c.decoderResult().cause().getMessage());
      return;
    }
    ByteBuf b = c.content();
    if (body.size() + b.readableBytes() > port.limits().maxBodyBytes()) {
      request = null;
      refuse(ctx, 413, "RequestEntityTooLarge", tooLarge("more than that"));
      return;
    }
    body.writeBytes(ByteBufUtil.getBytes(b));
    if (c instanceof LastHttpContent) {
      HttpRequest r = request;
      request = null;
      dispatch(ctx, r, body.toByteArray());
    }
  }

  private String tooLarge(String what) {
    return "the request body may be at most " + port.limits().maxBodyBytes() + " bytes; this one is " + what;
  }

  private void dispatch(ChannelHandlerContext ctx, HttpRequest r, byte[] bytes) {
    serving = true;
    guard.requestDone();
    String uri = r.uri();
    int q = uri.indexOf('?');
    Map<String, String> headers = new LinkedHashMap<>();
    r.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(),
        (a, b) -> a + ", " + b));
    HttpCall call = new HttpCall(r.method().name(), q < 0 ? uri : uri.substring(0, q),
        q < 0 ? "" : uri.substring(q + 1), Map.copyOf(headers), bytes,
        (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress());
    boolean keepAlive = HttpUtil.isKeepAlive(r);
    boolean head = r.method().equals(HttpMethod.HEAD);
    port.handlers().execute(() -> {
      HttpReply reply;
      try {
        reply = port.service().serve(call);
      } catch (Exception | Error e) {
        LOG.warn("event=http_failed port={} path={} error={}", port.name(), call.path(), e.toString(), e);
        reply = HttpReply.text(500, "internal error: " + e + "\n");
      }
      HttpReply answer = reply;
      try {
        ctx.executor().execute(() -> respond(ctx, answer, keepAlive, head));
      } catch (RejectedExecutionException e) {
        // the port closed while this handler ran: its event loop, and with it the connection, is gone
        LOG.debug("event=http_reply_dropped port={} path={} reason=\"port closed\"", port.name(), call.path());
      }
    });
  }

  private void respond(ChannelHandlerContext ctx, HttpReply reply, boolean keepAlive, boolean head) {
    if (!ctx.channel().isActive()) {
      return;
    }
    FullHttpResponse res = response(reply, head);
    HttpUtil.setKeepAlive(res, keepAlive);
    guard.writing(ctx);
    ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess() || !keepAlive) {
        ctx.close();
        return;
      }
      serving = false;
      guard.responseDone(ctx);
      if (inputShut) {
        lastRequests(ctx);
      } else {
        ctx.read();
      }
    });
  }

  private FullHttpResponse response(HttpReply reply, boolean head) {
    port.metrics().requests.labelValues(port.name(), Integer.toString(reply.status())).inc();
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reply.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    reply.headers().forEach(h -> res.headers().add(h.getKey(), h.getValue()));
    return res;
  }

  /** Answers a refused request, stops sending, and drains until the client closes or the body timeout ends. */
  private void refuse(ChannelHandlerContext ctx, int status, String reason, String message) {
    LOG.debug("event=http_request_refused port={} client={} status={} message=\"{}\"", port.name(),
        ctx.channel().remoteAddress(), status, message);
    draining = true;
    guard.closing(ctx);
    FullHttpResponse res = response(port.service().refused(status, reason, message), false);
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess() && !inputShut && ctx.channel() instanceof SocketChannel s) {
        s.shutdownOutput();
      } else {
        ctx.close();
      }
    });
  }

  /**
   * The client shut its sending side down: what it sent before is still answered, then the connection
   * closes (after any answer still being written).
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShut = true;
      if (draining) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      } else if (!serving) {
        lastRequests(ctx);
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * With the client's sending side shut and no request being served: requests it sent before may still
   * wait in the flow-control queue, and a read hands the next over at once. When none is left the
   * connection closes; a body cut short gets 400 (the decoder drops it without a word).
   */
  private void lastRequests(ChannelHandlerContext ctx) {
    ctx.read();
    if (serving || draining) {
      return; // answered or refused: respond() or refuse() comes back here or closes
    }
    if (request != null) {
      request = null;
      refuse(ctx, 400, "BadRequest", "the client stopped sending before the end of the request body");
    } else {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("event=http_connection_error port={} client={} error={}", port.name(), ctx.channel().remoteAddress(),
        cause.toString());
    ctx.close();
  }
}

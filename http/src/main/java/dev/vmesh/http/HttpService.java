package dev.vmesh.http;

/** {@code HttpService} answers the calls of one HTTP port; it runs on a virtual thread and may block. */
public interface HttpService {

  /** The answer to {@code call}; an exception becomes a 500 naming it. */
  HttpReply serve(HttpCall call) throws Exception;

  /**
   * The answer to a request a limit refused before it reached {@link #serve}: 413 (body), 414 (request
   * line), 431 (headers), 400 (malformed) or 503 (too many connections), with a message saying which limit
   * and what to do. The default is plain text.
   */
  default HttpReply refused(int status, String reason, String message) {
    return HttpReply.text(status, message + "\n");
  }
}

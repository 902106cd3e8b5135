package dev.vmesh.xds;

import com.google.common.hash.Hashing;
import com.google.protobuf.Any;
import com.google.protobuf.Message;

/**
 * {@code XdsResource} is one generated resource, packed once and shared by every connection that
 * gets it. Its version is a hash of its bytes, so it is the same across server restarts and replicas,
 * which lets delta clients that reconnect skip what they already have.
 */
public record XdsResource(String name, Any resource, String version) {

  public static XdsResource of(String name, Message message) {
    Any any = Any.pack(message);
    String version = Hashing.murmur3_128().hashBytes(any.getValue().asReadOnlyByteBuffer()).toString().substring(0, 16);
    return new XdsResource(name, any, version);
  }
}

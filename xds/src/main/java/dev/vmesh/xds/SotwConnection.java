package dev.vmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code SotwConnection} speaks state-of-the-world ADS. A response for a full-state type (listeners,
 * clusters, name table) carries every subscribed resource; for endpoints and routes only what changed.
 * Requests whose nonce is not the last one sent for their type are stale and ignored.
 */
final class SotwConnection extends Connection {
  private final ServerCallStreamObserver<DiscoveryResponse> responses;

  SotwConnection(XdsCore core, Connections connections, ServerCallStreamObserver<DiscoveryResponse> out) {
    super(core, connections, out);
    this.responses = out;
  }

  @Override
  String protocol() {
    return "sotw";
  }

  /** Handles one request on the executor; returns whether the stream is still open. */
  boolean onRequest(DiscoveryRequest req) {
    String type = req.getTypeUrl();
    if (!admit(type)) {
      return false;
    }
    if (type.equals(TypeUrls.HEALTH_INFO)) {
      hook((callbacks, p) -> callbacks.onHealthReport(p, req));
      return true;
    }
    TypeState existing = types.get(type);
    TypeState ts = existing == null ? subscribe(type) : existing;
    Set<String> requested = new HashSet<>(req.getResourceNamesList());
    if (existing == null) {
      ts.wildcard = requested.isEmpty() || requested.contains("*");
      requested.remove("*");
      ts.names.addAll(requested);
      ts.dirtyAll = true;
      ts.mustRespond = true;
    } else {
      if (!req.getResponseNonce().isEmpty()) {
        if (!req.getResponseNonce().equals(ts.nonce)) {
          return true; // stale: an answer to a response the client has since replaced
        }
        if (req.hasErrorDetail()) {
          nacked(type, ts, req.getErrorDetail().getMessage());
        } else {
          ts.versionAcked = req.getVersionInfo();
        }
      }
      boolean wildcard = requested.contains("*") || ts.wildcard && requested.isEmpty();
      requested.remove("*");
      if (wildcard != ts.wildcard || !requested.equals(ts.names)) {
        ts.wildcard = wildcard;
        ts.names.retainAll(Set.of());
        ts.names.addAll(requested);
        ts.sent.keySet().removeIf(n -> !ts.interestedIn(n));
        ts.dirtyAll = true;
        ts.mustRespond = true;
      }
    }
    flushAll();
    return true;
  }

  @Override
  boolean flush(String typeUrl, TypeState ts) {
    if (!responses.isReady()) {
      return false;
    }
    List<XdsResource> toSend = new ArrayList<>();
    boolean fullState = ts.fullState();
    if (fullState || ts.dirtyAll) {
      Map<String, String> versions = new HashMap<>();
      for (String name : desired(ts)) {
        XdsResource r = core.resource(ts, proxy, name);
        if (r != null) {
          toSend.add(r);
          versions.put(name, r.version());
        }
      }
      boolean changed = fullState ? !versions.equals(ts.sent) : versions.entrySet().stream()
          .anyMatch(e -> !e.getValue().equals(ts.sent.get(e.getKey())));
      if (!changed && !ts.mustRespond) {
        ts.clearWork();
        return true;
      }
      ts.sent.clear();
      ts.sent.putAll(versions);
    } else {
      for (String name : ts.dirty) {
        XdsResource r = ts.interestedIn(name) ? core.resource(ts, proxy, name) : null;
        if (r == null) {
          ts.sent.remove(name); // gone; state-of-the-world cannot say so for this type
        } else if (!r.version().equals(ts.sent.get(name))) {
          toSend.add(r);
          ts.sent.put(name, r.version());
        }
      }
      if (toSend.isEmpty()) {
        ts.clearWork();
        return true;
      }
    }
    String nonce = nextNonce();
    String version = core.currentVersion();
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce)
        .setVersionInfo(version);
    long bytes = 0;
    for (XdsResource r : toSend) {
      b.addResources(r.resource());
      bytes += r.resource().getValue().size();
    }
    compressIf(bytes);
    responses.onNext(b.build());
    sent(ts, nonce, version, bytes);
    ts.clearWork();
    return true;
  }
}

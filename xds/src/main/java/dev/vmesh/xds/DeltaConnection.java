package dev.vmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code DeltaConnection} speaks incremental (delta) ADS: responses carry only resources whose version
 * differs from what the client has, plus the names it must drop. A client that reconnects with
 * {@code initial_resource_versions} gets only what changed while it was away. A subscription to a name
 * that does not exist is answered with that name in {@code removed_resources}.
 */
final class DeltaConnection extends Connection {
  private final ServerCallStreamObserver<DeltaDiscoveryResponse> responses;

  DeltaConnection(XdsCore core, Connections connections, ServerCallStreamObserver<DeltaDiscoveryResponse> out) {
    super(core, connections, out);
    this.responses = out;
  }

  @Override
  String protocol() {
    return "delta";
  }

  boolean onRequest(DeltaDiscoveryRequest req) {
    String type = req.getTypeUrl();
    if (!admit(type) || type.equals(TypeUrls.HEALTH_INFO)) {
      return !closed; // health reports travel on state-of-the-world streams only
    }
    TypeState existing = types.get(type);
    boolean first = existing == null;
    TypeState ts = first ? subscribe(type) : existing;
    if (first) {
      ts.sent.putAll(req.getInitialResourceVersionsMap());
      ts.wildcard = req.getResourceNamesSubscribeCount() == 0;
      ts.dirtyAll = true;
      ts.mustRespond = true;
    } else if (!req.getResponseNonce().isEmpty() && req.getResponseNonce().equals(ts.nonce)) {
      if (req.hasErrorDetail()) {
        nacked(type, ts, req.getErrorDetail().getMessage());
      } else {
        ts.versionAcked = ts.versionSent;
      }
    }
    for (String name : req.getResourceNamesSubscribeList()) {
      if (name.equals("*")) {
        if (!ts.wildcard) {
          ts.wildcard = true;
          ts.dirtyAll = true;
        }
      } else if (ts.names.add(name) || first) {
        ts.dirty.add(name);
        ts.justSubscribed.add(name);
      }
    }
    for (String name : req.getResourceNamesUnsubscribeList()) {
      if (name.equals("*")) {
        ts.wildcard = false;
        ts.sent.keySet().removeIf(n -> !ts.names.contains(n));
      } else {
        ts.names.remove(name);
        if (!ts.wildcard) {
          ts.sent.remove(name); // the client forgets it; nothing to send
        }
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
    Set<String> candidates = new LinkedHashSet<>();
    if (ts.dirtyAll) {
      candidates.addAll(desired(ts));
      candidates.addAll(ts.sent.keySet());
    }
    candidates.addAll(ts.dirty);
    List<XdsResource> resources = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String name : candidates) {
      XdsResource r = ts.interestedIn(name) ? core.resource(ts, proxy, name) : null;
      if (r != null) {
        if (!r.version().equals(ts.sent.get(name))) {
          resources.add(r);
          ts.sent.put(name, r.version());
        }
      } else if (ts.sent.remove(name) != null || ts.justSubscribed.contains(name)) {
        removed.add(name);
      }
    }
    if (resources.isEmpty() && removed.isEmpty() && !ts.mustRespond) {
      ts.clearWork();
      return true;
    }
    String nonce = nextNonce();
    String version = core.currentVersion();
    DeltaDiscoveryResponse.Builder b = DeltaDiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce)
        .setSystemVersionInfo(version).addAllRemovedResources(removed);
    long bytes = 0;
    for (XdsResource r : resources) {
      b.addResources(Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.resource()));
      bytes += r.resource().getValue().size();
    }
    compressIf(bytes);
    responses.onNext(b.build());
    sent(ts, nonce, version, bytes);
    ts.clearWork();
    return true;
  }
}

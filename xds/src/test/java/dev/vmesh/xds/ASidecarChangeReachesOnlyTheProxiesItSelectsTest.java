package dev.vmesh.xds;

import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.CALLED;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.DB;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.MESH;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.OTHER;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.SCOPED;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.SIDECAR;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.UNSCOPED;
import static dev.vmesh.xds.ASidecarScopesWhatTheProxyGetsTest.node;
import static dev.vmesh.xds.DeltaProtocolTest.ack;
import static dev.vmesh.xds.DeltaProtocolTest.subscribe;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pushes follow the Sidecar scope: a change to a service outside a proxy's scope sends it nothing, and a change
 * of a Sidecar is pushed only to the proxies whose scope it changes, with only what changed. Each "nothing" is
 * proven by order: a later change that does concern the proxy is the next thing it receives.
 */
class ASidecarChangeReachesOnlyTheProxiesItSelectsTest {

  private static String serviceEntry(String name, String ns, String host, String ip, String ports) {
    return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: " + name + ", namespace: " + ns
        + "}\nspec:\n  hosts: [" + host + "]\n  addresses: [" + ip + "]\n  ports: " + ports
        + "\n  resolution: STATIC\n  workloadSelector: {labels: {app: " + name + "}}\n";
  }

  private static final String TWO_HTTP_PORTS = "[{number: 8080, name: http, protocol: HTTP},"
      + " {number: 8081, name: http-alt, protocol: HTTP}]";

  /** A delta stream of {@code type} for {@code p}, its first response acknowledged. */
  private static Stream open(Harness h, Proxy p, String type) throws Exception {
    var rec = new Harness.Recorder<DeltaDiscoveryResponse>();
    StreamObserver<DeltaDiscoveryRequest> req = h.stub().deltaAggregatedResources(rec);
    req.onNext(subscribe(type).setNode(node(p)).build());
    Stream s = new Stream(rec, req);
    s.next();
    return s;
  }

  private record Stream(Harness.Recorder<DeltaDiscoveryResponse> rec, StreamObserver<DeltaDiscoveryRequest> req) {
    /** The next response, acknowledged. */
    DeltaDiscoveryResponse next() throws Exception {
      DeltaDiscoveryResponse r = rec.next();
      req.onNext(ack(r));
      return r;
    }
  }

  private static List<String> names(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().map(Resource::getName).toList();
  }

  @Test
  void aServiceOutsideTheScopeChangesWithoutAPushToTheScopedProxy() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      Stream scoped = open(h, SCOPED, TypeUrls.CLUSTER);
      Stream unscoped = open(h, UNSCOPED, TypeUrls.CLUSTER);

      h.upsert(serviceEntry("other", "svc-b", OTHER, "10.96.1.2", TWO_HTTP_PORTS));
      assertThat(names(unscoped.next())).containsExactly("outbound|8081||" + OTHER);

      h.upsert(serviceEntry("called", "svc-a", CALLED, "10.96.1.1", TWO_HTTP_PORTS));
      assertThat(names(scoped.next())).as("the first push the scoped proxy gets is the in-scope change")
          .containsExactly("outbound|8081||" + CALLED);
      assertThat(names(unscoped.next())).containsExactly("outbound|8081||" + CALLED);
    }
  }

  @Test
  void aSidecarChangeIsPushedOnlyToTheProxiesWhoseScopeItChanges() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      Stream scoped = open(h, SCOPED, TypeUrls.CLUSTER);
      Stream scopedNames = open(h, SCOPED, TypeUrls.NAME_TABLE);
      Stream unscoped = open(h, UNSCOPED, TypeUrls.CLUSTER);

      h.upsert(SIDECAR.replace("- hosts: [svc-a/called.svc-a.svc.cluster.local]",
          "- hosts: [svc-a/called.svc-a.svc.cluster.local, svc-b/other.svc-b.svc.cluster.local]"));
      DeltaDiscoveryResponse widened = scoped.next();
      assertThat(names(widened)).as("only the newly imported service's cluster").containsExactly(
          "outbound|8080||" + OTHER);
      assertThat(widened.getRemovedResourcesList()).isEmpty();
      assertThat(scopedNames.next().getResources(0).getResource().unpack(NameTable.class).getTableMap())
          .containsOnlyKeys(CALLED, OTHER);

      h.upsert(serviceEntry("db", "svc-b", DB, "10.96.1.3", "[{number: 5432, name: tcp, protocol: TCP},"
          + " {number: 5433, name: tcp-alt, protocol: TCP}]"));
      assertThat(names(unscoped.next())).as("the Sidecar change sent the unselected proxy nothing")
          .containsExactly("outbound|5433||" + DB);

      h.upsert(SIDECAR.replace("workloadSelector: {labels: {app: client}}", "workloadSelector: {labels: {app: nobody}}"));
      assertThat(names(scoped.next())).as("no Sidecar left for it: it sees every service again")
          .containsExactlyInAnyOrder("outbound|5432||" + DB, "outbound|5433||" + DB);
    }
  }
}

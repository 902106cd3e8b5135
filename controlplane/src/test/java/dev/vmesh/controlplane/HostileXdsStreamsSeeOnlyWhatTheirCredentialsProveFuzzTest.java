package dev.vmesh.controlplane;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import dev.vmesh.api.fuzz.FuzzRun.Failure;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.ca.IstioCertificateResponse;
import dev.vmesh.store.ListOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xDS streams against a real server over real gRPC channels, on the plaintext port and on the TLS port
 * with every kind of credential ({@link TlsPortCredentials}): valid requests, mutated ones, random node
 * metadata, wrong type URLs, random and truncated protobuf ({@link XdsRequests}). Each stream is
 * half-closed after its requests and must be ended by the server within a timeout; every response must
 * parse and be of a type the stream asked for. On the TLS port a stream never sees anything its
 * credentials do not prove: nothing at all without valid credentials, and never the other namespace's
 * private service or endpoint; auto-registration never makes an entry outside the proven namespace and
 * service account. After every batch the server still serves a proper client and holds no stream open;
 * the heap does not grow with the streams.
 */
@Tag("fuzz")
class HostileXdsStreamsSeeOnlyWhatTheirCredentialsProveFuzzTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: mine, namespace: ns1}
      spec: {hosts: [mine.internal], ports: [{number: 80, name: http}], exportTo: ['.'], resolution: STATIC,
             workloadSelector: {labels: {app: mine}}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: mine-1, namespace: ns1}
      spec: {address: 10.1.0.7, labels: {app: mine}, serviceAccount: sa1}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: secret, namespace: ns2}
      spec: {hosts: [secret.internal], ports: [{number: 80, name: http}], exportTo: ['.'], resolution: STATIC,
             workloadSelector: {labels: {app: secret}}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: secret-1, namespace: ns2}
      spec: {address: 10.2.0.7, labels: {app: secret}, serviceAccount: sa2}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: shared, namespace: ns3}
      spec: {hosts: [shared.internal], ports: [{number: 80, name: http}], resolution: STATIC,
             endpoints: [{address: 10.3.0.7}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: grp, namespace: ns1}
      spec: {metadata: {labels: {app: mine}}, template: {serviceAccount: sa1}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: grp2, namespace: ns2}
      spec: {metadata: {labels: {app: secret}}, template: {serviceAccount: sa2}}
      """;
  /** What only ns1 may see, and what only ns2 may see. */
  static final Map<String, List<String>> PRIVATE = Map.of("ns1", List.of("mine.internal", "10.1.0.7"),
      "ns2", List.of("secret.internal", "10.2.0.7"));
  static final Duration PER_STREAM = Duration.ofSeconds(10);
  static final int WINDOW = 16;
  static final int BATCH = 200;

  @TempDir
  Path tmp;

  /** A stream in flight and what it may see. */
  private record Pending(int index, XdsRequests requests, String caller, String proves, RawXdsCall call) {}

  @Test
  void plaintextPort() throws Exception {
    try (TlsServer s = new TlsServer(tmp, MESH);
        FuzzRun run = FuzzRun.start("xds_plaintext", FuzzBudget.of(1_500, 500_000))) {
      ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1", s.server.xdsPort(0),
          InsecureChannelCredentials.create()).build();
      Node proper = TlsServer.node("sidecar~10.1.0.5~vm.ns1~ns1.svc.cluster.local", Map.of("NAMESPACE", "ns1"));
      try {
        fuzz(run, s, () -> new Pending(run.index(), XdsRequests.generate(run.random(), proper), "plaintext", "any",
            null), p -> RawXdsCall.start(plain, CallOptions.DEFAULT, p.requests().rpc(), p.requests().messages()),
            () -> serves(run, s, plain, CallOptions.DEFAULT));
      } finally {
        plain.shutdownNow();
      }
      run.finish(32L << 20);
    }
  }

  @Test
  void tlsPort() throws Exception {
    try (TlsServer s = new TlsServer(tmp, MESH);
        TlsPortCredentials creds = new TlsPortCredentials(s, tmp);
        FuzzRun run = FuzzRun.start("xds_tls", FuzzBudget.of(1_500, 500_000))) {
      CallOptions valid = CallOptions.DEFAULT.withCallCredentials(TlsServer.bearer(s.token("ns1", "sa1", false)));
      Node proper = TlsServer.node("sidecar~10.1.0.5~vm.ns1~ns1.svc.cluster.local", Map.of("NAMESPACE", "ns1"));
      Map<Integer, TlsPortCredentials.Caller> callers = new HashMap<>();
      KeyPair key = KeyPairs.ecP256();
      fuzz(run, s, () -> {
        TlsPortCredentials.Caller c = creds.pick(run.random());
        callers.put(run.index(), c);
        XdsRequests requests = run.random().nextInt(8) == 0 ? XdsRequests.certificate(run.random(), key)
            : XdsRequests.generate(run.random(), proper);
        return new Pending(run.index(), requests, c.name(), c.proves(), null);
      }, p -> {
        TlsPortCredentials.Caller c = callers.remove(p.index());
        return RawXdsCall.start(c.channel(), c.options(), p.requests().rpc(), p.requests().messages());
      }, () -> {
        serves(run, s, s.channel, valid);
        registeredOnlyAsProven(run, s);
      });
      run.finish(32L << 20);
    }
  }

  private void fuzz(FuzzRun run, TlsServer s, Supplier<Pending> generate,
      Function<Pending, RawXdsCall> start, Runnable afterBatch) {
    ArrayDeque<Pending> inflight = new ArrayDeque<>();
    while (run.next()) {
      Pending p = generate.get();
      inflight.add(new Pending(p.index(), p.requests(), p.caller(), p.proves(), start.apply(p)));
      while (inflight.size() >= WINDOW) {
        settle(run, inflight.poll());
      }
      boolean warm = run.warmedUp(BATCH - 1); // once: after the first batch or a fifth of the time
      if (run.tried() % BATCH == 0 || warm) {
        endBatch(run, s, inflight, afterBatch);
        if (warm) {
          run.baseline();
        }
      }
    }
    endBatch(run, s, inflight, afterBatch);
  }

  private void endBatch(FuzzRun run, TlsServer s, ArrayDeque<Pending> inflight, Runnable afterBatch) {
    while (!inflight.isEmpty()) {
      settle(run, inflight.poll());
    }
    afterBatch.run();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.server.xds().connectionCount() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    if (s.server.xds().connectionCount() > 0) {
      run.wrong("", s.server.xds().connectionCount() + " streams still open 10 s after every stream ended");
    }
  }

  /** Waits for one stream's end and judges what it got. */
  private static void settle(FuzzRun run, Pending p) {
    String input = p.caller() + " " + p.requests().describe();
    RawXdsCall.Result result;
    try {
      result = p.call().result.get(PER_STREAM.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      p.call().cancel();
      run.report(Failure.HANG, p.index(), input, "the server did not end a half-closed stream within " + PER_STREAM);
      return;
    } catch (Exception e) {
      run.report(Failure.CRASH, p.index(), input, FuzzRun.trace(e));
      return;
    }
    run.outcome(result.responses().isEmpty() ? result.status().getCode().name().toLowerCase(Locale.ROOT)
        : "answered");
    if ((result.status().getCode() == Status.Code.INTERNAL || result.status().getCode() == Status.Code.UNKNOWN)
        && !p.requests().garbled() && !p.caller().equals("oversized_header")) {
      run.report(Failure.CRASH, p.index(), input, "ended with " + result.status());
    }
    for (byte[] bytes : result.responses()) {
      String leak = leak(p, bytes);
      if (leak != null) {
        run.report(Failure.FORGERY, p.index(), input, leak);
      }
      String wrong = malformed(p, bytes);
      if (wrong != null) {
        run.report(Failure.WRONG, p.index(), input, wrong);
      }
    }
  }

  /**
   * Why a response is something the caller's credentials do not prove, or null: any response at all
   * without credentials; the other namespace's private host or endpoint in the resources (not in the
   * names of removed ones, and not a name the stream itself sent, which a response may repeat).
   */
  private static String leak(Pending p, byte[] response) {
    if (p.proves() == null) {
      return p.caller() + " proves nothing but got a response of " + response.length + " bytes";
    }
    if (p.proves().equals("any")) {
      return null;
    }
    if (p.requests().rpc() == XdsRequests.Rpc.CERTIFICATE) {
      return certificateFor(p, response);
    }
    String sent = p.requests().messages().stream().map(m -> new String(m, StandardCharsets.ISO_8859_1))
        .collect(Collectors.joining());
    String text;
    try {
      text = p.requests().rpc() == XdsRequests.Rpc.DELTA
          ? DeltaDiscoveryResponse.parseFrom(response).getResourcesList().toString()
          : DiscoveryResponse.parseFrom(response).getResourcesList().toString();
    } catch (InvalidProtocolBufferException e) {
      return null; // malformed() reports it
    }
    for (var e : PRIVATE.entrySet()) {
      if (!e.getKey().equals(p.proves())) {
        for (String secret : e.getValue()) {
          if (text.contains(secret) && !sent.contains(secret)) {
            return p.caller() + " proves " + p.proves() + " but got " + secret + ", private to " + e.getKey() + ": "
                + text.substring(Math.max(0, text.indexOf(secret) - 300), Math.min(text.length(),
                text.indexOf(secret) + 100)).replace('\n', ' ');
          }
        }
      }
    }
    return null;
  }

  /** A certificate may only be for the identity the caller proves (its namespace's account, sa1 or sa2). */
  private static String certificateFor(Pending p, byte[] response) {
    String proven = "spiffe://cluster.local/ns/" + p.proves() + "/sa/" + (p.proves().equals("ns1") ? "sa1" : "sa2");
    try {
      var chain = Pem.parseCertificates(IstioCertificateResponse.parseFrom(response)
          .getCertChain(0));
      var uris = chain.get(0).getSubjectAlternativeNames().stream().filter(n -> n.get(0).equals(6))
          .map(n -> (String) n.get(1)).toList();
      return uris.equals(List.of(proven)) && p.requests().typeUrls().equals(List.of(proven)) ? null
          : p.caller() + " proves " + proven + ", asked for " + p.requests().typeUrls() + " and got a certificate for "
              + uris;
    } catch (Exception e) {
      return p.caller() + " got a certificate response that does not read: " + e;
    }
  }

  /** Why a response is not a proper answer to the stream, or null. */
  private static String malformed(Pending p, byte[] bytes) {
    if (p.requests().rpc() == XdsRequests.Rpc.CERTIFICATE) {
      return null; // certificateFor() reads it
    }
    try {
      String type;
      String nonce;
      List<Any> resources;
      if (p.requests().rpc() == XdsRequests.Rpc.DELTA) {
        DeltaDiscoveryResponse r = DeltaDiscoveryResponse.parseFrom(bytes);
        type = r.getTypeUrl();
        nonce = r.getNonce();
        resources = r.getResourcesList().stream().map(io.envoyproxy.envoy.service.discovery.v3.Resource::getResource)
            .toList();
      } else {
        DiscoveryResponse r = DiscoveryResponse.parseFrom(bytes);
        type = r.getTypeUrl();
        nonce = r.getNonce();
        resources = r.getResourcesList();
      }
      if (!p.requests().typeUrls().contains(type) || !XdsRequests.TYPES.contains(type)) {
        return "a response of type " + type + ", which the stream did not ask for";
      }
      if (nonce.isEmpty()) {
        return "a response without a nonce";
      }
      for (Any a : resources) {
        if (!a.getTypeUrl().equals(type)) {
          return "a " + type + " response holds a " + a.getTypeUrl();
        }
      }
      return null;
    } catch (InvalidProtocolBufferException e) {
      return "a response that does not parse: " + e.getMessage();
    }
  }

  /** A proper client still gets its clusters. */
  private static void serves(FuzzRun run, TlsServer s, ManagedChannel channel, CallOptions options) {
    Node node = TlsServer.node("sidecar~10.1.0.5~check.ns1~ns1.svc.cluster.local", Map.of("NAMESPACE", "ns1"));
    try {
      TlsServer.Stream stream = new TlsServer.Stream();
      stream.requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
          .withCallCredentials(options.getCredentials()).streamAggregatedResources(stream);
      stream.requests.onNext(DiscoveryRequest.newBuilder().setNode(node)
          .setTypeUrl(XdsRequests.TYPES.get(0)).build());
      DiscoveryResponse r = stream.responses.poll(10, TimeUnit.SECONDS);
      stream.requests.onCompleted();
      if (r == null || !r.toString().contains("outbound|80||mine.internal")) {
        run.crash("(after " + run.tried() + " streams)", "a proper client got no clusters: " + stream.error);
      }
    } catch (Exception e) {
      run.crash("(after " + run.tried() + " streams)", e);
    }
  }

  /** Auto-registered entries exist only in a namespace, and for a service account, some caller proved. */
  private static void registeredOnlyAsProven(FuzzRun run, TlsServer s) {
    for (Resource r : s.server.store().list(ListOptions.all()).items()) {
      if (r.kind() == Kind.WORKLOAD_ENTRY && r.metadata().annotations().containsKey("istio.io/autoRegistrationGroup")) {
        String sa = ((WorkloadEntrySpec) r.spec()).serviceAccount();
        String ns = r.metadata().namespace();
        if (!(ns.equals("ns1") && sa.equals("sa1") || ns.equals("ns2") && sa.equals("sa2"))) {
          run.forgery(r.toString(), "auto-registration made " + ns + "/" + r.metadata().name() + " for " + sa);
        }
      }
    }
  }
}

package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code MockCluster} is fabric8's Kubernetes mock server in CRUD mode with Istio's CRDs of every kind
 * vmesh reads installed, each in its own group (v1 stored, its older versions served, status subresource
 * on), the way the cluster looks after
 * Istio's base chart. It can also take over the next watch of one kind, to end it with 410 Gone.
 */
public final class MockCluster implements AutoCloseable {
  /** The mock server logs every request through java.util.logging; kept here so the setting sticks. */
  private static final Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private final Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
  private final KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(expectations);
  private final AtomicReference<HeldWatch> held = new AtomicReference<>();
  /** Every request that is not a GET, as "METHOD path body". */
  public final List<String> writes = new CopyOnWriteArrayList<>();
  public final KubernetesMockServer server;
  public final KubernetesClient client;

  private MockCluster(boolean withCrds) {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
        new Interceptor(), false);
    server.init();
    client = server.createClient();
    if (withCrds) {
      for (Kind k : Kind.values()) {
        client.apiextensions().v1().customResourceDefinitions().resource(crd(k)).create();
      }
    }
  }

  /** A mock cluster with Istio's CRDs. */
  public static MockCluster withIstioCrds() {
    return new MockCluster(true);
  }

  /** A mock cluster without them. */
  public static MockCluster empty() {
    return new MockCluster(false);
  }

  /** A kubeconfig file's content pointing at this cluster (no credentials: the mock takes any caller). */
  public String kubeconfig() {
    return kubeconfig(client.getMasterUrl().toString());
  }

  /** A kubeconfig for the API server at {@code url}. */
  public static String kubeconfig(String url) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: vmesh
          user: {token: not-checked}
        contexts:
        - name: mock
          context: {cluster: mock, user: vmesh, namespace: default}
        current-context: mock
        """.formatted(url);
  }

  /** A store on this cluster with its own client. */
  KubeConfigStore store() {
    return store(KubeStoreOptions.DEFAULTS);
  }

  KubeConfigStore store(KubeStoreOptions options) {
    return KubeConfigStore.connect(server.createClient(), true, options);
  }

  static CustomResourceDefinition crd(Kind kind) {
    List<CustomResourceDefinitionVersion> versions = kind.versions().stream().map(v -> new CustomResourceDefinitionVersionBuilder()
        .withName(v).withServed(true).withStorage(v.equals(kind.versions().get(0)))
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema()
        .build()).toList();
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(kind.crdName()).endMetadata()
        .withNewSpec()
        .withGroup(kind.group())
        .withScope("Namespaced")
        .withNewNames().withKind(kind.kindName()).withPlural(kind.plural()).withSingular(kind.kindName().toLowerCase())
        .withShortNames(kind.shortName().isEmpty() ? List.of() : List.of(kind.shortName())).endNames()
        .withVersions(versions)
        .endSpec()
        .build();
  }

  /**
   * The next watch request for {@code kind} is answered by the returned handle instead of the CRUD
   * server: it stays open and silent until {@link HeldWatch#expire()} sends a 410 Gone error event.
   */
  HeldWatch holdNextWatch(Kind kind) {
    HeldWatch h = new HeldWatch(kind);
    held.set(h);
    return h;
  }

  /** A watch the test controls. */
  static final class HeldWatch {
    final Kind kind;
    final CompletableFuture<WebSocket> socket = new CompletableFuture<>();

    HeldWatch(Kind kind) {
      this.kind = kind;
    }

    /** Ends the watch the way the API server does when its resourceVersion was compacted away. */
    void expire() {
      socket.join().send("{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\","
          + "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (99)\",\"reason\":\"Expired\","
          + "\"code\":410}}");
    }
  }

  private final class Interceptor extends Dispatcher {
    @Override
    public MockResponse dispatch(RecordedRequest request) {
      HeldWatch h = held.get();
      String path = request.getPath();
      if (!"GET".equals(request.getMethod())) {
        writes.add(request.getMethod() + " " + path + " " + new String(request.getBody().getBytes(),
            StandardCharsets.UTF_8));
      }
      if (h != null && path.contains("/" + h.kind.plural() + "?") && path.contains("watch=true")
          && held.compareAndSet(h, null)) {
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
          @Override
          public void onOpen(WebSocket webSocket, Response response) {
            h.socket.complete(webSocket);
          }
        });
      }
      if (!"GET".equals(request.getMethod())) {
        // The CRUD dispatcher checks a write's resourceVersion and applies it in two steps; two writes
        // at once could both pass the check, where a real API server (one etcd transaction) lets one.
        synchronized (this) {
          return crud.dispatch(request);
        }
      }
      return crud.dispatch(request);
    }

    @Override
    public void shutdown() {
      crud.shutdown();
    }
  }

  private static Logger quiet(String name) {
    Logger l = Logger.getLogger(name);
    l.setLevel(Level.WARNING);
    return l;
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}

package dev.vmesh.agent.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import dev.vmesh.api.time.Timer;
import dev.vmesh.proto.Wire;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AgentStream} is the agent's own ADS stream to the server. Connecting it registers the VM (its
 * node carries {@code AUTO_REGISTER_GROUP} or {@code WORKLOAD_ENTRY}); it subscribes to the DNS name
 * table (NDS) and carries the prober's health reports as {@code istio.v1.HealthInformation} requests,
 * sent on each change and again on every new stream, so the server never keeps a stale state after a
 * reconnect. A failed stream is reopened after a jittered exponential backoff (on the next discovery
 * address when there are several); a stream that had been working reconnects within about a second.
 */
public final class AgentStream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentStream.class);
  static final Duration BASE_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /**
   * Counters for the agent's metrics and status page; {@code refused} is the server's reason when it
   * refused the last stream outright (registration or credentials), empty once a stream is accepted.
   */
  public record Stats(boolean connected, String address, long connects, long failures, long healthReports,
      Instant lastConnected, String lastError, String refused) {}

  /**
   * Codes a server answers with when it will not take this VM as it is (the VM's identity, address or
   * name, or its credentials) rather than failing to serve: retrying without a change will not help.
   */
  static final Set<Status.Code> REFUSALS = EnumSet.of(Status.Code.INVALID_ARGUMENT,
      Status.Code.PERMISSION_DENIED, Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION,
      Status.Code.UNAUTHENTICATED);

  private final Channels upstream;
  private final Node node;
  private final Timer timer;
  private final Clock clock;
  private final Random random;
  private final Consumer<NameTable> onNameTable;
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong failureCount = new AtomicLong();
  private final AtomicLong healthReports = new AtomicLong();

  private final Object lock = new Object();
  private Attempt attempt;
  private int failuresInARow;
  private Boolean healthy;
  private String healthMessage = "";
  private boolean closed;
  private Timer.Handle retry;
  private Instant lastConnected;
  private String lastError = "";
  private String refused = "";

  public AgentStream(Channels upstream, Node node, Timer timer, Clock clock, Random random,
      Consumer<NameTable> onNameTable) {
    this.upstream = upstream;
    this.node = node;
    this.timer = timer;
    this.clock = clock;
    this.random = random;
    this.onNameTable = onNameTable;
  }

  public void start() {
    connect();
  }

  /** Records the workload's health and sends it now if connected (else on the next stream). */
  public void reportHealth(boolean isHealthy, String message) {
    synchronized (lock) {
      healthy = isHealthy;
      healthMessage = message == null ? "" : message;
      if (attempt != null) {
        attempt.sendHealth();
      }
    }
  }

  public Stats stats() {
    synchronized (lock) {
      return new Stats(attempt != null && attempt.responded, upstream.address(), connects.get(),
          failureCount.get(), healthReports.get(), lastConnected, lastError, refused);
    }
  }

  /** Whether the current stream has had a response (the server accepted us). */
  public boolean isConnected() {
    synchronized (lock) {
      return attempt != null && attempt.responded;
    }
  }

  private void connect() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      attempt = new Attempt(upstream.channel());
      attempt.open();
    }
  }

  private void failed(Attempt a, Status status) {
    Duration delay;
    synchronized (lock) {
      if (a != attempt || closed) {
        return;
      }
      attempt = null;
      failureCount.incrementAndGet();
      lastError = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
      if (a.responded) {
        failuresInARow = 0;
        // The server closed a working stream (restart, max connection age): come back soon, spread out.
        delay = Duration.ofMillis((long) (random.nextDouble() * 1000));
      } else {
        failuresInARow++;
        long base = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.min(16, failuresInARow - 1));
        delay = Duration.ofMillis((long) (base * (0.5 + random.nextDouble())));
      }
      String next = upstream.failover(a.channel);
      if (!a.responded && REFUSALS.contains(status.getCode())) {
        refused = lastError;
        LOG.warn("event=xds_refused address={} node={} reason=\"{}\" retry_in={} next_address={}", a.address,
            node.getId(), lastError.replace('"', '\''), delay, next);
      } else {
        LOG.warn("event=xds_stream_closed address={} status=\"{}\" retry_in={} next_address={}", a.address,
            lastError.replace('"', '\''), delay, next);
      }
      retry = timer.schedule(this::connect, delay);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (retry != null) {
        retry.cancel();
      }
      if (attempt != null) {
        attempt.cancel();
        attempt = null;
      }
    }
  }

  /** One stream. Sends happen under the outer lock, so requests never interleave. */
  private final class Attempt implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    final ManagedChannel channel;
    final String address;
    ClientCallStreamObserver<DiscoveryRequest> requests;
    volatile boolean responded;
    boolean nodeSent;

    Attempt(ManagedChannel channel) {
      this.channel = channel;
      this.address = upstream.address();
    }

    void open() {
      AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      send(DiscoveryRequest.newBuilder().setTypeUrl(Wire.NAME_TABLE_TYPE));
      sendHealth();
    }

    void sendHealth() {
      if (healthy == null) {
        return;
      }
      DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setTypeUrl(Wire.HEALTH_INFORMATION_TYPE);
      if (!healthy) {
        r.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INTERNAL_VALUE).setMessage(healthMessage));
      }
      send(r);
      healthReports.incrementAndGet();
    }

    private void send(DiscoveryRequest.Builder r) {
      if (!nodeSent) {
        r.setNode(node);
        nodeSent = true;
      }
      requests.onNext(r.build());
    }

    void cancel() {
      requests.cancel("agent stopping", null);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> stream) {
      this.requests = stream;
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      synchronized (lock) {
        if (attempt != this) {
          return;
        }
        if (!responded) {
          responded = true;
          failuresInARow = 0;
          connects.incrementAndGet();
          lastConnected = clock.instant();
          lastError = "";
          refused = "";
          LOG.info("event=xds_connected address={} node={}", address, node.getId());
        }
        DiscoveryRequest.Builder ack = DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
            .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce());
        if (response.getTypeUrl().equals(Wire.NAME_TABLE_TYPE)) {
          try {
            NameTable table = response.getResourcesCount() == 0 ? NameTable.getDefaultInstance()
                : response.getResources(0).unpack(NameTable.class);
            onNameTable.accept(table);
          } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.warn("event=name_table_rejected error=\"{}\"", e.toString());
            ack.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage("cannot use the name table: " + e.getMessage()));
          }
        }
        send(ack);
      }
    }

    @Override
    public void onError(Throwable t) {
      failed(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      failed(this, Status.UNAVAILABLE.withDescription("server closed the stream"));
    }
  }
}

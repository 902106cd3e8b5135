package dev.vmesh.dns;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * {@code DnsMetrics} are the DNS proxy's Prometheus metrics, named as Istio's agent names them with
 * the {@code vmesh_agent_} prefix: {@code vmesh_agent_dns_requests_total{protocol,result}},
 * {@code vmesh_agent_dns_upstream_requests_total{protocol}},
 * {@code vmesh_agent_dns_upstream_failures_total{protocol}} and the histogram
 * {@code vmesh_agent_dns_upstream_request_duration_seconds{protocol}}.
 *
 * <p>Every label combination is created up front, so recording on the query path is a lookup in an
 * array and an atomic add.
 */
public final class DnsMetrics {
  /** Transport a query arrived on (label {@code protocol}). */
  enum Protocol {
    UDP,
    TCP;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** How a query ended (label {@code result}). */
  enum Result {
    /** Answered from the name table (including NOERROR with no records of the type asked). */
    TABLE,
    /** An upstream's reply was relayed. */
    UPSTREAM,
    /** SERVFAIL: no upstream gave a usable reply, or too many queries were already in flight. */
    SERVFAIL,
    /** FORMERR (malformed), NOTIMP (not a QUERY) or BADVERS (EDNS version). */
    REJECTED,
    /** Not answered at all: shorter than a header, or not a query. */
    DROPPED;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  private final CounterDataPoint[][] requests = new CounterDataPoint[Protocol.values().length][Result.values().length];
  private final CounterDataPoint[] upstreamRequests = new CounterDataPoint[Protocol.values().length];
  private final CounterDataPoint[] upstreamFailures = new CounterDataPoint[Protocol.values().length];
  private final DistributionDataPoint[] upstreamDuration = new DistributionDataPoint[Protocol.values().length];

  /** Registers the metrics in {@code registry} (the agent's, served on its metrics endpoint). */
  public DnsMetrics(PrometheusRegistry registry) {
    Counter requestsTotal = Counter.builder().name("vmesh_agent_dns_requests")
        .help("DNS queries received by the proxy, by transport and outcome.")
        .labelNames("protocol", "result").withoutExemplars().register(registry);
    Counter upstreamTotal = Counter.builder().name("vmesh_agent_dns_upstream_requests")
        .help("Queries the proxy forwarded to upstream resolvers (one per client query).")
        .labelNames("protocol").withoutExemplars().register(registry);
    Counter failuresTotal = Counter.builder().name("vmesh_agent_dns_upstream_failures")
        .help("Forwarded queries no upstream resolver answered usably (the client got SERVFAIL).")
        .labelNames("protocol").withoutExemplars().register(registry);
    Histogram duration = Histogram.builder().name("vmesh_agent_dns_upstream_request_duration_seconds")
        .help("Time from receiving a forwarded query to having its reply (or giving up).")
        .labelNames("protocol").classicOnly()
        .classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .withoutExemplars().register(registry);
    for (Protocol p : Protocol.values()) {
      for (Result r : Result.values()) {
        requests[p.ordinal()][r.ordinal()] = requestsTotal.labelValues(p.label, r.label);
      }
      upstreamRequests[p.ordinal()] = upstreamTotal.labelValues(p.label);
      upstreamFailures[p.ordinal()] = failuresTotal.labelValues(p.label);
      upstreamDuration[p.ordinal()] = duration.labelValues(p.label);
    }
  }

  /** Metrics registered nowhere, for tests and tools. */
  public static DnsMetrics unregistered() {
    return new DnsMetrics(new PrometheusRegistry());
  }

  void request(Protocol p, Result r) {
    requests[p.ordinal()][r.ordinal()].inc();
  }

  void upstreamRequest(Protocol p) {
    upstreamRequests[p.ordinal()].inc();
  }

  void upstreamFailure(Protocol p) {
    upstreamFailures[p.ordinal()].inc();
  }

  void upstreamDuration(Protocol p, long nanos) {
    upstreamDuration[p.ordinal()].observe(nanos / 1e9);
  }

  long requests(Protocol p, Result r) {
    return requests[p.ordinal()][r.ordinal()].getLongValue();
  }

  long upstreamRequests(Protocol p) {
    return upstreamRequests[p.ordinal()].getLongValue();
  }

  long upstreamFailures(Protocol p) {
    return upstreamFailures[p.ordinal()].getLongValue();
  }

  long upstreamDurationCount(Protocol p) {
    return upstreamDuration[p.ordinal()].getCount();
  }
}

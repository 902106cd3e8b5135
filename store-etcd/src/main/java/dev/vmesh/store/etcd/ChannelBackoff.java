package dev.vmesh.store.etcd;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ChannelBackoff} keeps an etcd outage from outlasting etcd. While etcd is unreachable, the
 * gRPC channel under jetcd waits longer and longer between connection attempts (1 s, growing 1.6x
 * to 2 minutes), so a server could stay cut off for up to two minutes after etcd came back, failing
 * writes and missing watch events meanwhile. Every time a call to etcd fails as unavailable, the store
 * calls {@link #cutShort()}, which makes the channel try again at once (gRPC's
 * {@code resetConnectBackoff}); the store's own retries (a watch every 2 s at most, the leader's
 * lease every second) then decide how often the channel tries, at most once per {@code minGap}.
 *
 * <p>jetcd does not hand out its channel; it is read from jetcd 0.8's {@code ClientImpl} by
 * reflection. Should a jetcd upgrade move it, this logs a warning once and does nothing (the channel
 * keeps gRPC's own backoff), and {@code ChannelBackoffTest} fails.
 */
final class ChannelBackoff {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelBackoff.class);
  static final Duration MIN_GAP = Duration.ofMillis(500);

  private final ManagedChannel channel;
  private final LongSupplier nanos;
  private final long minGapNanos;
  private final AtomicLong last = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();

  ChannelBackoff(ManagedChannel channel, LongSupplier nanos, Duration minGap) {
    this.channel = channel;
    this.nanos = nanos;
    this.minGapNanos = minGap.toNanos();
    this.last.set(nanos.getAsLong() - minGapNanos);
  }

  /** The backoff of {@code client}'s channel, or one that does nothing when the channel cannot be reached. */
  static ChannelBackoff of(Client client) {
    return new ChannelBackoff(channelOf(client), System::nanoTime, MIN_GAP);
  }

  static ManagedChannel channelOf(Client client) {
    try {
      var field = client.getClass().getDeclaredField("connectionManager");
      field.setAccessible(true);
      Object manager = field.get(client);
      var getChannel = manager.getClass().getDeclaredMethod("getChannel");
      getChannel.setAccessible(true);
      return (ManagedChannel) getChannel.invoke(manager);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("event=etcd_channel_unreachable client={} error=\"{}\"; after an etcd outage the server may take up"
          + " to gRPC's backoff (2 minutes) to reconnect", client.getClass().getName(),
          e instanceof java.lang.reflect.InvocationTargetException i && i.getCause() != null ? i.getCause() : e);
      return null;
    }
  }

  /** True when the channel was found, so {@link #cutShort()} has an effect. */
  boolean works() {
    return channel != null;
  }

  /** How many times the channel was told to reconnect at once. */
  long resets() {
    return resets.get();
  }

  /** A call to etcd found it unavailable: let the channel reconnect now, unless it was told so within the gap. */
  void cutShort() {
    if (channel == null) {
      return;
    }
    long now = nanos.getAsLong();
    long before = last.get();
    if (now - before < minGapNanos || !last.compareAndSet(before, now)) {
      return;
    }
    resets.incrementAndGet();
    channel.resetConnectBackoff();
  }
}

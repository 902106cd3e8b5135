package dev.vmesh.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.Fixtures;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store reaches jetcd's gRPC channel (by reflection, so a jetcd upgrade that moves it fails here)
 * and tells it to reconnect at most once per gap however many calls fail.
 */
class ChannelBackoffTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Test
  void theChannelUnderJetcdsClientIsFound() {
    assertThat(ChannelBackoff.channelOf(etcd.client())).isNotNull();
    try (var s = EtcdConfigStore.connect(etcd.options(), Fixtures.CLOCK)) {
      assertThat(s.channelBackoff().works()).isTrue();
    }
  }

  @Test
  void resetsAreSpacedByTheGap() {
    CountingChannel channel = new CountingChannel();
    AtomicLong now = new AtomicLong(1_000_000_000L);
    ChannelBackoff b = new ChannelBackoff(channel, now::get, Duration.ofMillis(500));
    b.cutShort();
    b.cutShort();
    assertThat(channel.resets.get()).isEqualTo(1);
    now.addAndGet(Duration.ofMillis(499).toNanos());
    b.cutShort();
    assertThat(channel.resets.get()).isEqualTo(1);
    now.addAndGet(Duration.ofMillis(1).toNanos());
    b.cutShort();
    assertThat(channel.resets.get()).isEqualTo(2);
    assertThat(b.resets()).isEqualTo(2);
  }

  @Test
  void withoutAChannelNothingHappens() {
    ChannelBackoff b = new ChannelBackoff(null, System::nanoTime, Duration.ofMillis(500));
    b.cutShort();
    assertThat(b.works()).isFalse();
    assertThat(b.resets()).isZero();
  }

  /** Counts resetConnectBackoff; no calls go through it. */
  private static final class CountingChannel extends ManagedChannel {
    final AtomicInteger resets = new AtomicInteger();

    @Override
    public void resetConnectBackoff() {
      resets.incrementAndGet();
    }

    @Override
    public ManagedChannel shutdown() {
      return this;
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public ManagedChannel shutdownNow() {
      return this;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String authority() {
      return "test";
    }
  }
}

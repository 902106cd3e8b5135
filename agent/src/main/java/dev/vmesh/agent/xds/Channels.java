package dev.vmesh.agent.xds;

import io.grpc.ManagedChannel;

/** {@code Channels} is where streams to the server go: the channel in use, and moving on when it fails. */
public interface Channels {
  ManagedChannel channel();

  /** The address of {@link #channel()}, for logs. */
  String address();

  /** Moves to the next address if {@code failed} is still in use; returns the address now in use. */
  String failover(ManagedChannel failed);
}

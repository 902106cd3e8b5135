package dev.vmesh.api;

/** {@code Spec} is the {@code spec} of one of the resource kinds; each kind has its own record. */
public sealed interface Spec permits ServiceEntrySpec, WorkloadEntrySpec, WorkloadGroupSpec, PeerAuthenticationSpec,
    GatewaySpec, VirtualServiceSpec, SidecarSpec {
  /** The kind this spec belongs to. */
  Kind kind();
}

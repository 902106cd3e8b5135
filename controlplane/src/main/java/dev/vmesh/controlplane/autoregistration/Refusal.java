package dev.vmesh.controlplane.autoregistration;

import io.grpc.Status;

/**
 * {@code Refusal} is why a proxy that asked to be auto-registered has no entry: the reason (a metric
 * label), the words a user reads, and the gRPC status the stream is closed with when the refusal ends
 * it (null when the stream stays open).
 */
record Refusal(Reason reason, String detail) {

  /** Why, as the {@code reason} label of {@code vmesh_autoregistration_refusals_total}. */
  enum Reason {
    /** AUTO_REGISTER_GROUP is not a valid object name. */
    INVALID_GROUP("invalid_group", Status.Code.INVALID_ARGUMENT),
    /** An address in INSTANCE_IPS (or the node id) is not an IP. */
    INVALID_ADDRESS("invalid_address", Status.Code.INVALID_ARGUMENT),
    /** The node has no address at all (istiod: no entry and no error; the stream stays). */
    NO_ADDRESS("no_address", null),
    /** The connection's identity may not own the entry (namespace or service account). */
    IDENTITY("identity", Status.Code.PERMISSION_DENIED),
    /** An entry of that name exists and was not created by auto-registration for this group. */
    NAME_TAKEN("name_taken", Status.Code.ALREADY_EXISTS),
    /** The WorkloadGroup does not exist yet; the proxy is registered when it appears. */
    NO_GROUP("no_group", null),
    /** Auto-registration is switched off on this server; the stream stays. */
    DISABLED("disabled", null),
    /** The store refused or could not take the write. */
    STORE_ERROR("store_error", Status.Code.UNAVAILABLE);

    final String label;
    final Status.Code code;

    Reason(String label, Status.Code code) {
      this.label = label;
      this.code = code;
    }
  }

  /** Whether this refusal ends the stream (at connect) rather than leaving it open without an entry. */
  boolean endsStream() {
    return reason.code != null;
  }

  /** The status the stream is closed with. */
  Status status() {
    return Status.fromCode(reason.code).withDescription("auto-registration refused: " + detail);
  }
}

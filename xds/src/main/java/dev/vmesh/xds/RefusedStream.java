package dev.vmesh.xds;

import java.time.Instant;

/**
 * {@code RefusedStream} is one ADS stream the server ended with an error, as {@code /debug/refusedz}
 * shows it.
 *
 * @param proxy the node id (or {@code (no node id)}) with the connection number
 * @param identity what the transport proved (a SPIFFE id), or empty
 * @param reason a short word, as in the {@code vmesh_xds_rejected_streams_total} metric: {@code bad_node},
 *     {@code bad_type}, {@code refused}, ...
 * @param status the gRPC status code the client got
 * @param message the status description the client got: what was wrong and what to do
 */
public record RefusedStream(Instant at, String proxy, String identity, String reason, String status,
    String message) {}

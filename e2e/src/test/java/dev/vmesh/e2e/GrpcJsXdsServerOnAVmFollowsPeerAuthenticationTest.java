package dev.vmesh.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of {@link XdsServerOnAVmFollowsPeerAuthenticationTest} with grpc-js as the xDS-enabled server:
 * {@code @grpc/grpc-js-xds}'s {@code XdsServer} with {@code XdsServerCredentials} (gRFC A36, A29;
 * {@code src/test/node/xds_server.js}), the agent's bootstrap in {@code GRPC_XDS_BOOTSTRAP}, bound to the VM's
 * address (grpc-js asks for the listener of exactly that address and refuses one of another). PERMISSIVE with
 * {@code tlsMode: istio} and STRICT take only mTLS (the server sees the caller's SPIFFE id) and refuse callers
 * of another trust domain (grpc-js applies the listener's RBAC filter only with
 * {@code GRPC_XDS_EXPERIMENTAL_RBAC=true}, which this server runs with), DISABLE takes only plain text. Skipped
 * only when node or npm is missing.
 */
class GrpcJsXdsServerOnAVmFollowsPeerAuthenticationTest {
  @TempDir
  Path tmp;

  @Test
  void grpcJsXdsServerFollowsPeerAuthenticationToo() throws Exception {
    XdsClientProgram.install(XdsClientProgram.Kind.GRPC_JS);
    XdsServerProgram.passesMtlsAndPlainTextAsPeerAuthenticationSays(tmp, "grpc-js xds_server", List.of("node",
        XdsClientProgram.TEST_DIR.resolve("node/xds_server.js").toString()),
        Map.of("GRPC_XDS_EXPERIMENTAL_RBAC", "true"));
  }
}

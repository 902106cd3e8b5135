package dev.vmesh.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of {@link XdsServerOnAVmFollowsPeerAuthenticationTest} with gRPC C-core as the xDS-enabled
 * server: grpcio's {@code grpc.server(..., xds=True)} with xDS server credentials
 * ({@code src/test/python/xds_server.py}), the agent's bootstrap in {@code GRPC_XDS_BOOTSTRAP}, listening on the
 * VM's address. PERMISSIVE with {@code tlsMode: istio} and STRICT take only mTLS (the server sees the caller's
 * SPIFFE id) and refuse callers of another trust domain (C-core's RBAC filter), DISABLE takes only plain text.
 * Skipped only when python3 is missing.
 */
class GrpcioXdsServerOnAVmFollowsPeerAuthenticationTest {
  @TempDir
  Path tmp;

  @Test
  void cCoresXdsServerFollowsPeerAuthenticationToo() throws Exception {
    XdsClientProgram.install(XdsClientProgram.Kind.GRPCIO);
    XdsServerProgram.passesMtlsAndPlainTextAsPeerAuthenticationSays(tmp, "grpcio xds_server", List.of(
        XdsClientProgram.TEST_DIR.resolve("python/.venv/bin/python").toString(), "-u",
        XdsClientProgram.TEST_DIR.resolve("python/xds_server.py").toString()), Map.of());
  }
}

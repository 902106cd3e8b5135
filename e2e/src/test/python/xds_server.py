"""An xDS-enabled gRPC server for the e2e tests: grpcio (gRPC C-core) taking its transport security from xDS.

Usage: GRPC_XDS_BOOTSTRAP=bootstrap.json python xds_server.py HOST:PORT

Listens on HOST:PORT with xDS server credentials (plain text as the fallback): the listener it asks for
(the bootstrap's server_listener_resource_name_template) decides whether connections take mTLS. Serves
/vmesh.test.Echo/Who, answering with the caller's SPIFFE id (the spiffe:// URI among its certificate's
names) or "plaintext" for a call without TLS. Prints "ready" once it listens.
"""
import sys
from concurrent import futures

import grpc


def who(request: bytes, context: grpc.ServicerContext) -> bytes:
    for values in context.auth_context().values():
        for value in values:
            if value.startswith(b"spiffe://"):
                return value
    return b"plaintext"


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), xds=True)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "vmesh.test.Echo", {"Who": grpc.unary_unary_rpc_method_handler(who)}),))  # bytes in, bytes out
    server.add_secure_port(sys.argv[1], grpc.xds_server_credentials(grpc.insecure_server_credentials()))
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()

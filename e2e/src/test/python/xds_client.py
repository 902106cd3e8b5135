"""A proxyless gRPC client for the e2e tests: grpcio (gRPC C-core's xDS client) calling an xds:/// target.

Usage: GRPC_XDS_BOOTSTRAP=bootstrap.json python xds_client.py xds:///host:port [plaintext|xds]

Reads a number N per line on standard input, makes N unary calls to /vmesh.test.Echo/Who (empty request,
the backend answers with its name as raw bytes) one after the other, each with a 5 s deadline, and prints
one line: "answers=A,B,... failed=K error=<first error>". With "xds" the channel uses xDS credentials
(mTLS as the cluster's transport socket says, plaintext otherwise).
"""
import sys

import grpc
import grpc.experimental


def main() -> None:
    target = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "plaintext"
    if mode == "xds":
        fallback = grpc.experimental.insecure_channel_credentials()
        channel = grpc.secure_channel(target, grpc.xds_channel_credentials(fallback))
    else:
        channel = grpc.insecure_channel(target)
    who = channel.unary_unary("/vmesh.test.Echo/Who")  # no serializers: bytes in, bytes out
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        answers, failed, first_error = [], 0, ""
        for _ in range(int(line)):
            try:
                answers.append(who(b"", timeout=5).decode("utf-8"))
            except grpc.RpcError as e:
                failed += 1
                if not first_error:
                    first_error = f"{e.code().name}: {e.details()}".replace("\n", " ")
        print(f"answers={','.join(answers)} failed={failed} error={first_error}", flush=True)
    channel.close()


if __name__ == "__main__":
    main()

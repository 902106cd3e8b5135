#!/usr/bin/env bash
# Istio's sidecar config for the sidecar benchmark's mesh: builds VM a's clusters, listeners, routes and
# endpoints with istiod's own generators (configsize_test.go, Istio's in-memory test server, default
# MeshConfig, no Kubernetes) and prints their bytes, to set beside the bytes vmesh sent the same VM in
# bench/sidecar/run.sh. Results and the comparison: docs/benchmarks.md, section "Envoy sidecar".
#
#   bench/istio/configsize.sh                 # SERVICES=1000; the first run downloads Istio's module and builds
#   DUMP_DIR=/tmp/x bench/istio/configsize.sh # also writes Istio's clusters and listeners as text, one per line with its size
#
# Istio's module is the one go.mod pins (the Go module proxy serves istio.io/istio only as pseudo-versions:
# its release tags are not semantic-import versions). Needs Go 1.26 or newer.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
SERVICES=${SERVICES:-1000}
W=$(mktemp -d /tmp/vmesh-istiosize.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$here/bench/sidecar/mesh.sh" "$SERVICES" --entries 10.89.0.2 10.89.0.3 > "$W/mesh.yaml"
cd "$here/bench/istio"
MESH_FILE="$W/mesh.yaml" VM_IP=10.89.0.2 VM_NAMESPACE=bench VM_LABELS=app=client ISTIO_PROXY_VERSION=1.31.0 \
  DUMP_DIR="${DUMP_DIR:-}" go test -run TestSidecarConfigSize -count=1 -v . 2>&1 | grep -E '^(istio config|--- FAIL|FAIL|panic)|Error' || true

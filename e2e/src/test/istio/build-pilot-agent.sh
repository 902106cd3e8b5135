#!/usr/bin/env bash
# Builds Istio's VM agent, pilot-agent, from Istio's Go module with this machine's Go, and copies Istio's
# Envoy bootstrap template beside it, for IstiosPilotAgentRunsAgainstVmeshTest (-Dvmesh.istio=DIR).
#
#   e2e/src/test/istio/build-pilot-agent.sh [DIR]        # DIR defaults to e2e/target/istio
#   ./mvnw -B verify -pl e2e -am -Dtest=IstiosPilotAgentRunsAgainstVmeshTest -Dsurefire.failIfNoSpecifiedTests=false \
#     -Dvmesh.istio=$PWD/e2e/target/istio
#
# The version: the Go module proxy serves istio.io/istio only as pseudo-versions (Istio's release tags, such as
# 1.28.0, are not semantic-import versions, and the proxy answers 403 for them), so this pins the newest
# snapshot it serves, Istio's master of 2026-08-27 (istio.io/api 1.31.0-rc.0: the 1.31 development line).
# Needs Go 1.26 (its go.mod says go 1.26.0). The first build downloads about 400 MB of modules.
set -euo pipefail
ISTIO_VERSION=${ISTIO_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
out=${1:-$here/../../../target/istio}
mkdir -p "$out"
out="$(cd "$out" && pwd)"
GOBIN="$out" GOFLAGS=-buildvcs=false go install "istio.io/istio/pilot/cmd/pilot-agent@$ISTIO_VERSION"
src=$(cd /tmp && go mod download -json "istio.io/istio@$ISTIO_VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
cp "$src/tools/packaging/common/envoy_bootstrap.json" "$out/envoy_bootstrap.json"
chmod u+w "$out/envoy_bootstrap.json"
echo "$out: $("$out/pilot-agent" version 2>/dev/null | head -1)"

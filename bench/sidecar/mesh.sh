#!/usr/bin/env bash
# Prints the sidecar benchmark's mesh as Istio YAML: WorkloadGroups client and fortio (namespace bench), the
# service fortio.bench.svc.cluster.local:8080 (HTTP) on the fortio VMs, and N more services like
# EnvoyAcceptsTheSidecarConfigTest's (namespace big: an address, HTTP port 80 -> 8080 and a TCP port, one
# endpoint with a service account, so every cluster originates mTLS). With --entries A_IP B_IP it also
# prints the WorkloadEntries auto-registration makes for VMs a and b, for a control plane without it.
#
#   bench/sidecar/mesh.sh 1000 > mesh.yaml
#   bench/sidecar/mesh.sh 1000 --entries 10.89.0.2 10.89.0.3 > mesh-with-entries.yaml
set -euo pipefail
n=${1:?usage: mesh.sh SERVICES [--entries A_IP B_IP]}
cat <<'EOF'
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: client, namespace: bench}
spec:
  metadata: {labels: {app: client}}
  template: {serviceAccount: client}
---
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: fortio, namespace: bench}
spec:
  metadata: {labels: {app: fortio}}
  template: {serviceAccount: fortio}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: fortio, namespace: bench}
spec:
  hosts: [fortio.bench.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{number: 8080, name: http, protocol: HTTP}]
  resolution: STATIC
  workloadSelector: {labels: {app: fortio}}
---
EOF
if [ "${2:-}" = --entries ]; then
  cat <<EOF
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: client-${3//./-}, namespace: bench, labels: {app: client}}
spec: {address: $3, labels: {app: client}, serviceAccount: client}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: fortio-${4//./-}, namespace: bench, labels: {app: fortio}}
spec: {address: $4, labels: {app: fortio}, serviceAccount: fortio}
---
EOF
fi
awk -v n="$n" 'BEGIN {
  for (i = 0; i < n; i++) {
    if (i > 0) printf "---\n"
    printf "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: svc-%d, namespace: big}\nspec:\n", i
    printf "  hosts: [svc-%d.big.svc.cluster.local]\n  addresses: [10.100.%d.%d]\n  location: MESH_INTERNAL\n", i, int(i / 250), i % 250 + 1
    printf "  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}, {number: %d, name: tcp, protocol: TCP}]\n", 5000 + i % 20
    printf "  resolution: STATIC\n  endpoints: [{address: 10.200.%d.%d, serviceAccount: sa-%d}]\n", int(i / 250), i % 250 + 1, i % 10
  }}'

// Package configsize measures what istiod's own generators build for one VM sidecar of a mesh, so that
// docs/benchmarks.md can set vmesh's sidecar config beside Istio's for the same mesh. It is run by
// bench/istio/configsize.sh, never by the Maven build.
package configsize

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config/labels"
)

// TestSidecarConfigSize loads the Istio YAML in $MESH_FILE into an in-memory istiod (Istio's own test
// server: the real config generators, no Kubernetes), builds the sidecar config of the VM at $VM_IP in
// namespace $VM_NAMESPACE with labels $VM_LABELS (k=v,k=v), and prints the bytes of each type's resources
// as they would be sent (the sum of the serialized resources, as vmesh_xds_push_bytes_total counts them).
func TestSidecarConfigSize(t *testing.T) {
	mesh, err := os.ReadFile(os.Getenv("MESH_FILE"))
	if err != nil {
		t.Fatalf("MESH_FILE: %v", err)
	}
	lbls := labels.Instance{}
	for _, kv := range strings.Split(os.Getenv("VM_LABELS"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			lbls[k] = v
		}
	}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{ConfigString: string(mesh)})
	ns := os.Getenv("VM_NAMESPACE")
	p := s.SetupProxy(&model.Proxy{
		Type:            model.SidecarProxy,
		IPAddresses:     []string{os.Getenv("VM_IP")},
		ID:              "vm." + ns,
		ConfigNamespace: ns,
		Labels:          lbls,
		Metadata: &model.NodeMetadata{
			Namespace:    ns,
			Labels:       lbls,
			IstioVersion: os.Getenv("ISTIO_PROXY_VERSION"),
		},
	})
	clusters := s.Clusters(p)
	listeners := s.Listeners(p)
	routes := s.Routes(p)
	endpoints := s.Endpoints(p)
	cds, lds, rds, eds := 0, 0, 0, 0
	for _, c := range clusters {
		cds += proto.Size(c)
	}
	for _, l := range listeners {
		lds += proto.Size(l)
	}
	for _, r := range routes {
		rds += proto.Size(r)
	}
	for _, e := range endpoints {
		eds += proto.Size(e)
	}
	fmt.Printf("istio config for %s: cds=%d (%d clusters) lds=%d (%d listeners) rds=%d (%d routes) eds=%d (%d) total=%d\n",
		p.IPAddresses[0], cds, len(clusters), lds, len(listeners), rds, len(routes), eds, len(endpoints),
		cds+lds+rds+eds)
	if dump := os.Getenv("DUMP_DIR"); dump != "" {
		for name, msgs := range map[string][]proto.Message{"cds": asMessages(clusters), "lds": asMessages(listeners)} {
			var b strings.Builder
			for _, m := range msgs {
				b.WriteString(fmt.Sprintf("%d %v\n", proto.Size(m), m))
			}
			_ = os.WriteFile(dump+"/istio-"+name+".txt", []byte(b.String()), 0o644)
		}
	}
}

func asMessages[T proto.Message](in []T) []proto.Message {
	out := make([]proto.Message, 0, len(in))
	for _, m := range in {
		out = append(out, m)
	}
	return out
}

package dev.vmesh.registry.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.vmesh.api.Kind;
import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * After any sequence of PeerAuthentication creates, updates and deletes (with ties in creation time, missing times,
 * overlapping selectors, policies in the root namespace), every workload's composed mTLS at every port, and every
 * namespace's client-side mode, equal what a step-by-step transcription of istiod's algorithm computes from the
 * final objects; and each update's {@link PolicyChange} (alone, and folded over the sequence) names exactly the
 * workloads whose mTLS changed.
 */
class PeerAuthenticationCompositionMatchesIstiosAlgorithmPropertyTest {
  private static final String ROOT = "istio-system";
  private static final List<String> POLICY_NAMESPACES = List.of(ROOT, "ns1", "ns2");
  private static final List<String> WORKLOAD_NAMESPACES = List.of(ROOT, "ns1", "ns2", "ns3");
  private static final List<String> NAMES = List.of("a", "b", "c", "d");
  private static final List<Map<String, String>> SELECTORS = List.of(Map.of(), Map.of("app", "web"),
      Map.of("app", "web", "v", "1"), Map.of("v", "1"), Map.of("app", "db"));
  private static final List<Map<String, String>> WORKLOAD_LABELS = List.of(Map.of(), Map.of("app", "web"),
      Map.of("app", "web", "v", "1"), Map.of("app", "db", "v", "1"), Map.of("app", "db"));
  private static final int[] PORTS = {80, 8080, 9090};
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void compositionAndChangesMatchTheReference() {
    qt().withExamples(500).withShrinkCycles(200)
        .forAll(lists().of(integers().all()).ofSizeBetween(1, 30))
        .checkAssert(ops -> {
          Map<ResourceKey, Resource> objects = new LinkedHashMap<>();
          PeerAuthenticationIndex index = new PeerAuthenticationIndex(ROOT);
          PeerAuthentications first = index.snapshot();
          PolicyChange folded = PolicyChange.NONE;
          for (int op : ops) {
            PeerAuthentications before = index.snapshot();
            PolicyChange change = step(new Random(op), objects, index);
            assertChangeIsExact(change, before, index.snapshot());
            folded = folded.then(change);
          }
          assertSameAsReference(index.snapshot(), List.copyOf(objects.values()), ops);
          assertChangeIsExact(folded, first, index.snapshot());
          PeerAuthenticationIndex loaded = new PeerAuthenticationIndex(ROOT);
          loaded.load(List.copyOf(objects.values()));
          assertSameAsReference(loaded.snapshot(), List.copyOf(objects.values()), ops);
        });
  }

  private static PolicyChange step(Random rnd, Map<ResourceKey, Resource> objects, PeerAuthenticationIndex index) {
    String ns = POLICY_NAMESPACES.get(rnd.nextInt(POLICY_NAMESPACES.size()));
    String name = NAMES.get(rnd.nextInt(NAMES.size()));
    ResourceKey key = new ResourceKey(Kind.PEER_AUTHENTICATION, ns, name);
    if (rnd.nextInt(4) == 0) {
      objects.remove(key);
      return index.delete(key);
    }
    Map<String, String> selector = SELECTORS.get(rnd.nextInt(SELECTORS.size()));
    MtlsMode mode = MtlsMode.values()[rnd.nextInt(4)];
    Map<Integer, MtlsMode> ports = new HashMap<>();
    if (!selector.isEmpty()) {
      for (int port : new int[] {80, 8080}) {
        if (rnd.nextInt(3) == 0) {
          ports.put(port, MtlsMode.values()[rnd.nextInt(4)]);
        }
      }
    }
    int age = rnd.nextInt(5); // 0..3 seconds after T0 (so ties happen), 4: no creation time
    ObjectMeta meta = ObjectMeta.of(ns, name).withCreationTimestamp(age == 4 ? null : T0.plusSeconds(age));
    Resource r = Resource.of(meta, new PeerAuthenticationSpec(
        rnd.nextBoolean() && selector.isEmpty() ? null : new WorkloadSelector(selector), mode,
        ports.isEmpty() ? null : ports));
    objects.put(key, r);
    return index.upsert(r);
  }

  private static void assertChangeIsExact(PolicyChange change, PeerAuthentications before,
      PeerAuthentications after) {
    for (String ns : WORKLOAD_NAMESPACES) {
      for (Map<String, String> labels : WORKLOAD_LABELS) {
        boolean differs = !before.forWorkload(ns, labels).equals(after.forWorkload(ns, labels));
        assertThat(change.affects(ns, labels)).as("affects %s %s", ns, labels).isEqualTo(differs);
      }
      assertThat(change.namespaceModeChanged(ns)).as("namespace mode of %s", ns)
          .isEqualTo(before.namespaceMode(ns) != after.namespaceMode(ns));
    }
  }

  private static void assertSameAsReference(PeerAuthentications actual, List<Resource> objects, List<Integer> ops) {
    Reference ref = new Reference(objects);
    for (String ns : WORKLOAD_NAMESPACES) {
      for (Map<String, String> labels : WORKLOAD_LABELS) {
        for (int port : PORTS) {
          assertThat(actual.effectiveMode(ns, labels, port)).as("%s %s port %d after %s", ns, labels, port, ops)
              .isEqualTo(ref.mode(ns, labels, port));
        }
      }
      assertThat(actual.namespaceMode(ns)).as("namespace mode of %s after %s", ns, ops)
          .isEqualTo(ref.namespaceMode(ns));
    }
  }

  /**
   * istiod's steps, one by one: sort by creation time then name then namespace; keep only the first selector-less
   * policy per namespace; a workload's candidates are its namespace's then the root namespace's policies whose
   * selector is a subset of its labels; composition takes per level the first candidate unless a later one is
   * strictly older, then applies mesh, namespace, workload and port modes, skipping UNSET.
   */
  private static final class Reference {
    private final Map<String, List<Resource>> byNamespace = new HashMap<>();
    /** Mesh mode as istiod's "global" value: null is its UNKNOWN. */
    private MtlsMode global;
    private final Map<String, MtlsMode> namespaceModes = new HashMap<>();

    Reference(List<Resource> objects) {
      List<Resource> sorted = new ArrayList<>(objects);
      sorted.sort((x, y) -> {
        int c = created(x).compareTo(created(y));
        if (c != 0) {
          return c;
        }
        c = x.name().compareTo(y.name());
        return c != 0 ? c : x.namespace().compareTo(y.namespace());
      });
      Set<String> seen = new HashSet<>();
      Map<String, MtlsMode> found = new HashMap<>();
      for (Resource r : sorted) {
        PeerAuthenticationSpec s = r.spec(PeerAuthenticationSpec.class);
        if (!s.hasWorkloadSelector()) {
          if (!seen.add(r.namespace())) {
            continue;
          }
          if (r.namespace().equals(ROOT)) {
            global = s.mode() == MtlsMode.UNSET ? MtlsMode.PERMISSIVE : s.mode();
          } else {
            found.put(r.namespace(), s.mode());
          }
        }
        byNamespace.computeIfAbsent(r.namespace(), n -> new ArrayList<>()).add(r);
      }
      MtlsMode inherited = global == null ? MtlsMode.PERMISSIVE : global;
      found.forEach((ns, m) -> namespaceModes.put(ns, m == MtlsMode.UNSET ? inherited : m));
    }

    private static Instant created(Resource r) {
      Instant t = r.metadata().creationTimestamp();
      return t == null ? Instant.MIN : t;
    }

    MtlsMode namespaceMode(String ns) {
      MtlsMode m = namespaceModes.getOrDefault(ns, global);
      return m == null ? MtlsMode.PERMISSIVE : m;
    }

    MtlsMode mode(String ns, Map<String, String> labels, int port) {
      List<Resource> candidates = new ArrayList<>();
      for (String lookIn : ns.equals(ROOT) ? List.of(ns) : List.of(ns, ROOT)) {
        for (Resource r : byNamespace.getOrDefault(lookIn, List.of())) {
          WorkloadSelector sel = r.spec(PeerAuthenticationSpec.class).selector();
          if (sel == null || labels.entrySet().containsAll(sel.labels().entrySet())) {
            candidates.add(r);
          }
        }
      }
      Resource mesh = null;
      Resource namespace = null;
      Resource workload = null;
      for (Resource r : candidates) {
        if (!r.spec(PeerAuthenticationSpec.class).hasWorkloadSelector()) {
          if (r.namespace().equals(ROOT)) {
            mesh = older(r, mesh);
          } else {
            namespace = older(r, namespace);
          }
        } else if (!r.namespace().equals(ROOT)) {
          workload = older(r, workload);
        }
      }
      MtlsMode out = MtlsMode.PERMISSIVE;
      for (Resource level : new Resource[] {mesh, namespace, workload}) {
        if (level != null && level.spec(PeerAuthenticationSpec.class).mode() != MtlsMode.UNSET) {
          out = level.spec(PeerAuthenticationSpec.class).mode();
        }
      }
      if (workload != null) {
        MtlsMode atPort = workload.spec(PeerAuthenticationSpec.class).ports().get(port);
        if (atPort != null && atPort != MtlsMode.UNSET) {
          out = atPort;
        }
      }
      return out;
    }

    private static Resource older(Resource candidate, Resource chosen) {
      return chosen == null || created(candidate).isBefore(created(chosen)) ? candidate : chosen;
    }
  }
}

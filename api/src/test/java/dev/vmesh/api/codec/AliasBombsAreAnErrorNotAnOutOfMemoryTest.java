package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * Found by the codec fuzzer: a YAML text of a few hundred bytes whose anchors alias each other
 * ("billion laughs") decoded into one object per expanded alias. A List of Lists 16 levels deep with 2
 * aliases each gave 65,536 WorkloadEntries from 900 bytes, and 24 levels ran the test JVM (1 GB) out of
 * memory, in the server's config watcher, its admin API and {@code vmesh validate} alike.
 */
class AliasBombsAreAnErrorNotAnOutOfMemoryTest {

  /** {@code levels} Lists, each holding {@code fan} aliases of the one before, the first a WorkloadEntry. */
  static String listBomb(int levels, int fan) {
    StringBuilder defs = new StringBuilder("  x0: &l0 {apiVersion: networking.istio.io/v1, kind: WorkloadEntry, "
        + "metadata: {name: a, namespace: b}, spec: {address: 1.1.1.1}}\n");
    for (int i = 1; i <= levels; i++) {
      defs.append("  x").append(i).append(": &l").append(i).append(" {apiVersion: v1, kind: List, items: [")
          .append(String.join(", ", Collections.nCopies(fan, "*l" + (i - 1)))).append("]}\n");
    }
    return "apiVersion: v1\nkind: List\nmetadata:\n" + defs + "items: [*l" + levels + "]\n";
  }

  @Test
  void aBillionLaughsOfListsIsOneErrorAtTheAliasPastTheLimit() {
    String text = listBomb(24, 2);
    assertThat(text.length()).isLessThan(2000);
    ResourceDecoder.Result r = ResourceDecoder.decode("bomb.yaml", text);
    assertThat(r.decoded()).isEmpty();
    assertThat(r.problems()).singleElement().asString()
        .startsWith("bomb.yaml:")
        .contains("aliases repeat more than 100000 values or 8 MiB of text")
        .contains("write the repeated parts out instead");
  }

  @Test
  void aliasesRepeatingAHugeStringAreCountedByCharacters() {
    String big = "x".repeat(200_000);
    String text = "a: &s " + big + "\nb: [" + String.join(", ", Collections.nCopies(50, "*s")) + "]\n";
    assertThat(SourceParser.parse("s.yaml", text).problems()).singleElement().asString()
        .contains("aliases repeat more than");
  }

  @Test
  void aliasesAddUpOverTheDocumentsOfOneText() {
    String doc = "a: &a [" + "x, ".repeat(999) + "x]\nb: [" + String.join(", ",
        Collections.nCopies(20, "*a")) + "]\n"; // 20,000 values repeated per document
    assertThat(SourceParser.parse("d.yaml", (doc + "---\n").repeat(4)).problems()).isEmpty();
    assertThat(SourceParser.parse("d.yaml", (doc + "---\n").repeat(6)).problems()).singleElement().asString()
        .startsWith("d.yaml:").contains("aliases repeat more than");
  }

  @Test
  void anAliasCannotNestItsAnchorPastTheDepthLimit() {
    String deep = "[".repeat(40) + "]".repeat(40);
    String ok = "a: &d " + deep + "\nb: " + "[".repeat(22) + "*d" + "]".repeat(22) + "\n";
    assertThat(SourceParser.parse("ok.yaml", ok).problems()).isEmpty(); // 1 + 22 + 40 = 63 levels
    String tooDeep = "a: &d " + deep + "\nb: " + "[".repeat(24) + "*d" + "]".repeat(24) + "\n";
    assertThat(SourceParser.parse("deep.yaml", tooDeep).problems()).singleElement().asString()
        .contains("nest deeper than 64 levels");
  }

  @Test
  void ordinaryAliasesStillWork() {
    String text = """
        apiVersion: networking.istio.io/v1
        kind: List
        metadata:
          ports: &ports {http: 8080}
        items:
        - {apiVersion: networking.istio.io/v1, kind: WorkloadEntry, metadata: {name: a}, spec: {address: 1.1.1.1, ports: *ports}}
        - {apiVersion: networking.istio.io/v1, kind: WorkloadEntry, metadata: {name: b}, spec: {address: 1.1.1.2, ports: *ports}}
        """;
    ResourceDecoder.Result r = ResourceDecoder.decode("ok.yaml", text);
    assertThat(r.problems()).isEmpty();
    assertThat(r.resources()).hasSize(2);
  }
}

package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Problem;
import org.junit.jupiter.api.Test;

class OversizedAndDeeplyNestedInputIsAnErrorNotACrashTest {

  private static String only(SourceParser.Parsed parsed) {
    assertThat(parsed.documents()).isEmpty();
    assertThat(parsed.problems()).singleElement().extracting(Problem::isError).isEqualTo(true);
    return parsed.problems().get(0).toString();
  }

  @Test
  void fifteenHundredLevelsOfFlowNestingAreOneErrorAtTheLevelPastTheLimit() {
    String yaml = "spec: " + "[".repeat(1500) + "]".repeat(1500) + "\n";
    String message = only(SourceParser.parse("deep.yaml", yaml));
    // the map is level 1, so the 64th '[' (column 7 + 63) is level 65
    assertThat(message).startsWith("deep.yaml:1:70: ").contains("nest deeper than 64 levels");
  }

  @Test
  void deepBlockNestingAndDeepFlowMapsAreErrorsToo() {
    StringBuilder block = new StringBuilder();
    for (int i = 0; i < 1500; i++) {
      block.append(" ".repeat(i)).append("k").append(i).append(":\n");
    }
    assertThat(only(SourceParser.parse("block.yaml", block.toString()))).contains("nest deeper than 64 levels");
    String flowMaps = "{a: ".repeat(2000) + "1" + "}".repeat(2000);
    assertThat(only(SourceParser.parse("maps.yaml", flowMaps))).contains("nest deeper than 64 levels");
  }

  @Test
  void deepJsonIsTheSameError() {
    String json = "{\"a\":".repeat(1500) + "1" + "}".repeat(1500);
    assertThat(only(SourceParser.parse("deep.json", json))).startsWith("deep.json:").contains("nest deeper than 64");
  }

  @Test
  void sixtyFourLevelsAreStillRead() {
    String yaml = "[".repeat(64) + "]".repeat(64);
    SourceParser.Parsed parsed = SourceParser.parse("ok.yaml", yaml);
    assertThat(parsed.problems()).isEmpty();
    assertThat(parsed.documents()).hasSize(1);
  }

  @Test
  void aDecodedObjectWithDeepNestingIsAnErrorNamingTheFile() {
    String yaml = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: a}
        spec:
          hosts: %s
        """.formatted("[".repeat(1500) + "]".repeat(1500));
    ResourceDecoder.Result r = ResourceDecoder.decode("se.yaml", yaml);
    assertThat(r.decoded()).isEmpty();
    assertThat(r.problems()).singleElement().asString().startsWith("se.yaml:5:").contains("64 levels");
  }

  @Test
  void valuesLongerThan256KiBAreRefusedInEveryStyle() {
    String big = "x".repeat(InputLimits.MAX_VALUE_CHARS + 1);
    for (String yaml : new String[] {"a: " + big, "a: \"" + big + "\"", "a: '" + big + "'", "a: |\n  " + big,
        big + ": 1"}) {
      assertThat(only(SourceParser.parse("big.yaml", yaml)))
          .startsWith("big.yaml:1:")
          .containsPattern("a value of 26214[56] characters is longer than the 262144 \\(256 KiB\\)");
    }
    assertThat(only(SourceParser.parse("big.json", "{\"a\": \"" + big + "\"}")))
        .contains("longer than the 262144 characters");
  }

  @Test
  void aSevenMegabyteScalarIsRefusedAndAValueAtTheLimitIsRead() {
    assertThat(only(SourceParser.parse("huge.yaml", "a: " + "x".repeat(7_000_000) + "\n")))
        .contains("a value of 7000000 characters");
    SourceParser.Parsed ok = SourceParser.parse("ok.yaml", "a: " + "x".repeat(InputLimits.MAX_VALUE_CHARS));
    assertThat(ok.problems()).isEmpty();
  }

  @Test
  void sizesAreSaidForPeople() {
    assertThat(InputLimits.fileTooLarge(300L * 1024 * 1024 + 512 * 1024))
        .isEqualTo("file is 300.5 MiB, more than the 8 MiB vmesh reads from one file; split it into several files");
  }
}

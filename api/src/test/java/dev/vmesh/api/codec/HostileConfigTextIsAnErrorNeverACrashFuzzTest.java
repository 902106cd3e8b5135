package dev.vmesh.api.codec;

import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.fuzz.ConfigTexts;
import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import dev.vmesh.api.validation.Validator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The YAML/JSON codec against mutated objects and hostile shapes (deep nesting, alias bombs, values at
 * the size limit, thousands of documents, junk): whatever the text, decoding, validating and reading
 * {@code mesh.yaml} return problems and never throw or hang; text over a limit is always an error;
 * an object that decodes and validates without errors obeys the rules the validator states
 * (checked here independently) and reads back equal from what the writer makes of it; problems do
 * not grow out of proportion to the text; the heap does not grow with the inputs.
 */
@Tag("fuzz")
class HostileConfigTextIsAnErrorNeverACrashFuzzTest {
  private static final Duration PER_INPUT = Duration.ofSeconds(10);
  private static final long HEAP_BOUND = 32L << 20;

  private final Validator validator = new Validator();

  @Test
  void everyTextIsReadOrRefusedWithProblems() {
    ConfigTexts texts = ConfigTexts.create();
    try (FuzzRun run = FuzzRun.start("codec", FuzzBudget.of(3_000, 2_000_000))) {
      while (run.next()) {
        run.baselineAfter(200);
        ConfigTexts.Input in = texts.next(run.random());
        run.within(PER_INPUT, in.text(), () -> {
          check(run, in);
          return null;
        });
      }
      run.finish(HEAP_BOUND);
    }
  }

  private void check(FuzzRun run, ConfigTexts.Input in) {
    ResourceDecoder.Result result = ResourceDecoder.decode(in.name(), in.text());
    long problemChars = result.problems().stream().mapToLong(p -> p.toString().length()).sum();
    if (problemChars > 4L * in.text().length() + (64 << 10)) {
      run.wrong(in.text(), result.problems().size() + " problems of " + problemChars + " characters for a text of "
          + in.text().length());
    }
    if (in.overLimit() != null && !result.hasErrors()) {
      run.forgery(in.text(), "accepted without an error although it has " + in.overLimit());
    }
    boolean valid = false;
    int roundTrips = 0;
    for (ResourceDecoder.Decoded d : result.decoded()) {
      List<Problem> problems = validator.validate(d);
      if (problems.stream().noneMatch(Problem::isError)) {
        valid = true;
        String broken = brokenRule(d.resource());
        if (broken != null) {
          run.forgery(in.text(), "validated although " + broken);
        }
        if (roundTrips++ < 3) { // of thousands of documents, a few show whether the writer is right
          readsBackEqual(run, in.text(), d.resource());
        }
      }
    }
    run.outcome(valid ? "valid" : result.hasErrors() ? "error" : "nothing");
    MeshConfigCodec.Decoded mesh = MeshConfigCodec.decode(in.name(), in.text());
    if (mesh.config() != null) {
      MeshConfigCodec.Decoded again = MeshConfigCodec.decode("again.yaml", MeshConfigCodec.yaml(mesh.config()));
      if (!mesh.config().equals(again.config())) {
        run.wrong(in.text(), "mesh.yaml read back as " + again.config() + " instead of " + mesh.config());
      }
    }
  }

  private static void readsBackEqual(FuzzRun run, String input, Resource r) {
    for (String written : new String[] {ResourceWriter.yaml(r), ResourceWriter.json(r, false)}) {
      ResourceDecoder.Result back = ResourceDecoder.decode(written.startsWith("{") ? "w.json" : "w.yaml", written);
      if (back.hasErrors() || back.resources().size() != 1 || !back.resources().get(0).equals(r)) {
        run.wrong(input, "written as " + cut(written) + " and read back as "
            + (back.hasErrors() ? back.problems() : back.resources()));
      }
    }
  }

  /**
   * The metadata rules of Kubernetes the validator enforces, restated without its code: which one
   * {@code r} breaks, or null.
   */
  static String brokenRule(Resource r) {
    var m = r.metadata();
    if (m.name().isEmpty() || m.name().length() > 253 || !m.name().chars().allMatch(c -> c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9' || c == '-' || c == '.')) {
      return "the name is \"" + m.name() + "\"";
    }
    if (m.namespace().length() > 63 || !m.namespace().chars().allMatch(c -> c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9' || c == '-')) {
      return "the namespace is \"" + m.namespace() + "\"";
    }
    if (m.labels().size() > 256) {
      return m.labels().size() + " labels";
    }
    for (Map.Entry<String, String> l : m.labels().entrySet()) {
      if (l.getValue().length() > 63 || l.getKey().isEmpty() || l.getKey().length() > 253 + 1 + 63) {
        return "label " + cut(l.getKey()) + " has a value of " + l.getValue().length() + " characters";
      }
    }
    long annotationBytes = 0;
    for (Map.Entry<String, String> a : m.annotations().entrySet()) {
      annotationBytes += a.getKey().getBytes(StandardCharsets.UTF_8).length
          + a.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    return annotationBytes > 256 * 1024 ? "annotations of " + annotationBytes + " bytes" : null;
  }

  private static String cut(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}

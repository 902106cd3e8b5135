package dev.vmesh.api.validation;

import static dev.vmesh.api.validation.Check.errors;
import static dev.vmesh.api.validation.Check.se;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelsFollowKubernetesRulesWhereverIstioChecksThemTest {
  private static final String SIXTY_THREE = "v".repeat(63);
  private static final String SIXTY_FOUR = "v".repeat(64);

  @Test
  void workloadEntryLabelValuesAreAtMost63Characters() {
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 10.0.0.1, labels: {app: "
        + SIXTY_THREE + "}}")).isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 10.0.0.1, labels: {app: "
        + SIXTY_FOUR + "}}")).containsExactly("spec.labels.app: invalid label value must be at most 63 characters, "
        + "not 64");
    String huge = "x".repeat(200_000);
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 10.0.0.1, labels: {app: " + huge + "}}"))
        .containsExactly("spec.labels.app: invalid label value must be at most 63 characters, not 200000");
  }

  @Test
  void templateAndEndpointLabelsFollowTheSameRules() {
    assertThat(errors("WorkloadGroup", "metadata: {name: g}\nspec: {template: {labels: {app: " + SIXTY_FOUR + "}}}"))
        .containsExactly("spec.template.labels.app: invalid label value must be at most 63 characters, not 64");
    assertThat(se("""
        hosts: [a.example.com]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        endpoints: [{address: 10.0.0.1, labels: {app: %s}}]
        """.formatted(SIXTY_FOUR)))
        .containsExactly("spec.endpoints[0].labels.app: invalid label value must be at most 63 characters, not 64");
  }

  @Test
  void labelKeysNeedALowerCaseDnsPrefixAndAShortName() {
    assertThat(errors("WorkloadEntry", "metadata: {name: a}\nspec: {address: 10.0.0.1, labels: {"
        + "'Example.com/app': a, 'example.com/" + SIXTY_FOUR + "': b, 'example.com/app': c}}")).containsExactlyInAnyOrder(
        "spec.labels[Example.com/app]: invalid label key: prefix \"Example.com\" must be a lower-case DNS subdomain "
            + "such as example.com",
        "spec.labels[example.com/" + SIXTY_FOUR + "]: invalid label key: name \"" + SIXTY_FOUR + "\" must be 1..63 "
            + "characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
  }

  @Test
  void annotationsTogetherAreAtMost256KiB() {
    String half = "a".repeat(140 * 1024);
    assertThat(errors("WorkloadEntry", "metadata: {name: a, annotations: {one: " + half + "}}\n"
        + "spec: {address: 10.0.0.1}")).isEmpty();
    assertThat(errors("WorkloadEntry", "metadata: {name: a, annotations: {one: " + half + ", two: " + half + "}}\n"
        + "spec: {address: 10.0.0.1}")).containsExactly("metadata.annotations: annotations take 286726 bytes "
        + "together; Kubernetes allows at most 262144 (256 KiB)");
    assertThat(errors("WorkloadGroup", "metadata: {name: g}\nspec:\n  metadata: {annotations: {one: " + half
        + ", two: " + half + "}}\n  template: {}")).containsExactly("spec.metadata.annotations: annotations take "
        + "286726 bytes together; Kubernetes allows at most 262144 (256 KiB)");
  }
}

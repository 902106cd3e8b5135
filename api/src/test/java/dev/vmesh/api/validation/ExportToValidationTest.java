package dev.vmesh.api.validation;

import static dev.vmesh.api.validation.Check.se;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExportToValidationTest {
  private static final String BASE = "hosts: [a.example.com]\naddresses: [10.0.0.1]\nports: [{number: 80, name: http}]\n";

  @Test
  void validListsPass() {
    assertThat(se(BASE + "exportTo: ['.']")).isEmpty();
    assertThat(se(BASE + "exportTo: ['*']")).isEmpty();
    assertThat(se(BASE + "exportTo: ['~']")).isEmpty();
    assertThat(se(BASE + "exportTo: ['.', ns2, ns3]")).isEmpty();
  }

  @Test
  void dotAndOwnNamespaceAreDuplicates() {
    assertThat(se(BASE + "exportTo: ['.', ns1]")).containsExactly("spec.exportTo[1]: duplicate entries in "
        + "exportTo: \".\" and the object's own namespace \"ns1\" mean the same; keep one");
    assertThat(se(BASE + "exportTo: [ns2, ns2]")).containsExactly(
        "spec.exportTo[1]: duplicate entry \"ns2\" in exportTo; keep one");
  }

  @Test
  void starAndTildeStandAlone() {
    assertThat(se(BASE + "exportTo: ['*', ns2]")).containsExactly(
        "spec.exportTo: \"*\" (all namespaces) cannot be combined with other entries");
    assertThat(se(BASE + "exportTo: ['~', '.']")).containsExactly(
        "spec.exportTo: \"~\" (no namespace) cannot be combined with other entries");
  }

  @Test
  void entriesMustBeNamespaceNames() {
    assertThat(se(BASE + "exportTo: ['bad_ns']")).containsExactly(
        "spec.exportTo[0]: \"bad_ns\" is not a namespace name; use \".\", \"*\", \"~\" or a namespace");
  }
}

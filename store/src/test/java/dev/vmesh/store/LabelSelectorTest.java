package dev.vmesh.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
  private static final Map<String, String> WEB = Map.of("app", "web", "tier", "front");

  @Test
  void kubectlForms() {
    assertThat(LabelSelector.parse("app=web").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app==web,tier=front").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app!=web").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse("app!=db").matches(Map.of())).isTrue();
    assertThat(LabelSelector.parse("app in (db, web)").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("app notin (db,web)").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse("tier").matches(WEB)).isTrue();
    assertThat(LabelSelector.parse("!tier").matches(WEB)).isFalse();
    assertThat(LabelSelector.parse(" ").isEverything()).isTrue();
    assertThat(LabelSelector.of(Map.of("app", "web")).matches(WEB)).isTrue();
  }

  @Test
  void garbageIsRejectedWithTheFormsThatWork() {
    assertThatThrownBy(() -> LabelSelector.parse("app=(web"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use key=value");
  }
}

package dev.vmesh.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterEnvTest {
  @Test
  void writesSortedSingleQuotedLinesThatReadBackExactly() throws Exception {
    Map<String, String> values = Map.of("B", "it's", "A", "{\"app\":\"x y\"}", "C", "", "D", "$HOME `x` \\n");
    String text = ClusterEnv.format(values);
    assertThat(text).isEqualTo("""
        A='{"app":"x y"}'
        B='it'\\''s'
        C=''
        D='$HOME `x` \\n'
        """);
    assertThat(ClusterEnv.parse("cluster.env", text)).isEqualTo(values);
  }

  @Test
  void readsWhatPeopleWriteByHand() throws Exception {
    assertThat(ClusterEnv.parse("f", """
        # comment

        export POD_NAMESPACE=vm
        ISTIO_SVC_IP="10.0.0.1"   # trailing comment
        X=a\\ b
        X2="say \\"hi\\""
        """)).containsExactlyInAnyOrderEntriesOf(Map.of("POD_NAMESPACE", "vm", "ISTIO_SVC_IP", "10.0.0.1",
        "X", "a b", "X2", "say \"hi\""));
  }

  @Test
  void rejectsWhatItCannotReadWithTheLineAndTheFix() {
    assertThatThrownBy(() -> ClusterEnv.parse("/etc/vmesh/cluster.env", "A='x'\nnot a line\n"))
        .hasMessageStartingWith("/etc/vmesh/cluster.env:2: expected KEY='value'");
    assertThatThrownBy(() -> ClusterEnv.parse("f", "A='x"))
        .hasMessage("f:1: A: unterminated single quote; close it on the same line");
    assertThatThrownBy(() -> ClusterEnv.parse("f", "A=$HOME/x"))
        .hasMessageContaining("f:1: A: shell expansion ($) is not supported");
    assertThatThrownBy(() -> ClusterEnv.parse("f", "A=x y"))
        .hasMessageContaining("unquoted space in the value; quote it: 'x y'");
    assertThatThrownBy(() -> ClusterEnv.parse("f", "1A=x")).hasMessageContaining("f:1:");
  }
}

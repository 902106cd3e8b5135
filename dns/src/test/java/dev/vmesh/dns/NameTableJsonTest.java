package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.NameTable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DESIGN.md {@code nameTable} JSON shape, the wrappings accepted, and messages users can act on. */
class NameTableJsonTest {
  static final NameTable SVC1 = new NameTable(Map.of("svc1.internal.com",
      new NameTable.NameInfo(List.of("240.240.0.1"), "External", "", "ns1")));

  @Test
  void readsTheRegistryDocumentTheProtoJsonAndTheBareMap() throws Exception {
    String entry = "{\"svc1.internal.com\": {\"ips\": [\"240.240.0.1\"], \"registry\": \"External\","
        + " \"namespace\": \"ns1\", \"shortname\": \"\"}}";
    assertThat(NameTableJson.parse("r.json", "{\"services\": [], \"nameTable\": " + entry + "}")).isEqualTo(SVC1);
    assertThat(NameTableJson.parse("p.json", "{\"table\": " + entry + "}")).isEqualTo(SVC1);
    assertThat(NameTableJson.parse("m.json", entry)).isEqualTo(SVC1);
  }

  @Test
  void altHostsAndMissingOptionalFieldsAreFine() throws Exception {
    NameTable t = NameTableJson.parse("t.json",
        "{\"a.ns1.svc.cluster.local\": {\"ips\": [\"10.0.0.1\", \"2001:db8::1\"], \"registry\": \"Kubernetes\","
            + " \"shortname\": \"a\", \"namespace\": \"ns1\", \"alt_hosts\": [\"a.ns1.svc.clusterset.local\"]},"
            + " \"b.mesh\": {\"ips\": [\"10.0.0.2\"]}}");
    assertThat(t.table().get("a.ns1.svc.cluster.local").altHosts()).containsExactly("a.ns1.svc.clusterset.local");
    assertThat(t.table().get("b.mesh")).isEqualTo(new NameTable.NameInfo(List.of("10.0.0.2"), "", "", ""));
  }

  @Test
  void writeReadsBack() throws Exception {
    assertThat(NameTableJson.parse("w.json", NameTableJson.write(ProxyFixture.TABLE))).isEqualTo(ProxyFixture.TABLE);
  }

  @Test
  void mistakesNameFileLineColumnAndField() {
    String text = """
        {"nameTable": {
          "a.mesh": {"ips": ["10.0.0.1", "not-an-ip"]},
          "b.mesh": {"ip": ["10.0.0.2"]},
          "c.mesh": {"ips": "10.0.0.3", "registry": 7}
        }}
        """;
    assertThatThrownBy(() -> NameTableJson.parse("names.json", text))
        .isInstanceOf(NameTableJson.InvalidNameTableException.class)
        .hasMessageContaining("names.json:2:34: nameTable[\"a.mesh\"].ips[1]: \"not-an-ip\" is not an IP address")
        .hasMessageContaining("names.json:3:14: nameTable[\"b.mesh\"].ip: unknown field")
        .hasMessageContaining("nameTable[\"b.mesh\"]: missing \"ips\"")
        .hasMessageContaining("nameTable[\"c.mesh\"].ips: must be a list of strings, not a string")
        .hasMessageContaining("nameTable[\"c.mesh\"].registry: must be a string, not an integer");
  }

  @Test
  void syntaxErrorsAndWrongShapesAreReported() {
    assertThatThrownBy(() -> NameTableJson.parse("x.json", "{\"a\": "))
        .hasMessageStartingWith("x.json:1:").hasMessageContaining("JSON syntax error");
    assertThatThrownBy(() -> NameTableJson.parse("x.json", "[1, 2]"))
        .hasMessageContaining("expected one JSON object");
    assertThatThrownBy(() -> NameTableJson.parse("x.json", "{\"nameTable\": []}"))
        .hasMessageContaining("nameTable: must be a map of hostname to entry, not a list");
  }
}

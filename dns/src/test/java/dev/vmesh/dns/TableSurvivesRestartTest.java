package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.NameTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last table is kept on disk, written atomically, and served after a restart even when the
 * control plane has not been heard from yet.
 */
class TableSurvivesRestartTest {
  @TempDir
  Path dir;

  @Test
  void aRestartedProxyAnswersFromTheSavedTableBeforeAnyPush() {
    Path file = dir.resolve("state/dns-table.json");
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> b.tableFile(file))) {
      assertThat(f.proxy.hasTable()).isFalse();
      f.proxy.updateTable(ProxyFixture.TABLE).join();
      assertThat(file).exists();
    }
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> b.tableFile(file))) {
      assertThat(f.proxy.hasTable()).isTrue();
      assertThat(f.proxy.synced()).isFalse();
      assertThat(f.proxy.table()).isEqualTo(ProxyFixture.TABLE);
      assertThat(f.ask(false, "productpage.ns1.ns1.svc.cluster.local.", TestQuery.A).addresses())
          .containsExactly("9.9.9.9");
      assertThat(f.ask(true, "a.b.wildcard.", TestQuery.A).addresses()).containsExactly("11.11.11.11");
      assertThat(f.upstream().received()).isEmpty();
    }
  }

  @Test
  void eachUpdateReplacesTheFileWholeAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("dns-table.json");
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> b.tableFile(file))) {
      for (int i = 0; i < 20; i++) {
        f.proxy.updateTable(new NameTable(Map.of("host" + i + ".mesh", NameTable.NameInfo.external("10.0.0." + i))));
      }
      f.proxy.updateTable(new NameTable(Map.of("last.mesh", NameTable.NameInfo.external("10.0.1.1")))).join();
      assertThat(new NameTableFile(file).load()).contains(
          new NameTable(Map.of("last.mesh", NameTable.NameInfo.external("10.0.1.1"))));
    } catch (NameTableJson.InvalidNameTableException e) {
      throw new AssertionError(e);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void onlyValidAddressesAreSavedSoTheFileAlwaysReadsBack() throws Exception {
    Path file = dir.resolve("dns-table.json");
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> b.tableFile(file))) {
      f.proxy.updateTable(new NameTable(Map.of(
          "a.mesh", NameTable.NameInfo.external("10.0.0.1", "172.217.0.0/16"),
          "cidr-only.mesh", NameTable.NameInfo.external("172.217.0.0/16")))).join();
    }
    assertThat(new NameTableFile(file).load()).contains(
        new NameTable(Map.of("a.mesh", NameTable.NameInfo.external("10.0.0.1"))));
  }

  @Test
  void anUnreadableFileIsReportedAndTheProxyStartsWithoutATable() throws IOException {
    Path file = dir.resolve("dns-table.json");
    Files.writeString(file, "{\"nameTable\": {\"a.mesh\": {\"ips\": [\"not-an-ip\"]}}}");
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> b.tableFile(file))) {
      assertThat(f.proxy.hasTable()).isFalse();
      f.upstream().answer("a.mesh", "5.5.5.5");
      assertThat(f.ask(false, "a.mesh.", TestQuery.A).addresses()).containsExactly("5.5.5.5");
      f.proxy.updateTable(new NameTable(Map.of("a.mesh", NameTable.NameInfo.external("10.0.0.1")))).join();
    }
    assertThat(Files.readString(file)).contains("10.0.0.1");
  }
}

package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code vmesh proxy-status} has a column per type some connected proxy subscribes to, named as the
 * server names it in syncz and in the server's order, so a type the server adds shows up with no
 * change to the CLI.
 */
class ProxyStatusShowsTheTypesTheServerNamesTest {

  private static List<SourceNode.MapNode> syncz(String json) {
    var list = (SourceNode.ListNode) SourceParser.parseJson("syncz.json", json).documents().get(0);
    return list.items().stream().map(n -> (SourceNode.MapNode) n).toList();
  }

  @Test
  void columnsFollowTheServersOrderAcrossProxies() {
    var proxies = syncz("""
        [{"connectionId": "agent-1", "types": {"nds": {}}},
         {"connectionId": "grpc-1", "types": {"cds": {}, "eds": {}, "lds": {}, "rds": {}}},
         {"connectionId": "envoy-1", "types": {"eds": {}, "secrets": {}, "nds": {}}}]
        """);
    assertThat(ProxyStatusCommand.typeColumns(proxies)).containsExactly("cds", "eds", "lds", "rds", "secrets", "nds");
  }

  @Test
  void noProxiesNoTypeColumns() {
    assertThat(ProxyStatusCommand.typeColumns(syncz("[]"))).isEmpty();
  }
}

package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Every listener flag of server and agent parses its address the same way: IPv4, a bracketed IPv6 or a
 * name, a port from 0 to 65535, {@code off} for none; a bad value is refused before anything starts,
 * naming the flag, the value and the part at fault.
 */
class ListenAddressesAreParsedOneWayForEveryListenerTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      server --http-address 127.0.0.1 | '--http-address': "127.0.0.1" has no port
      server --http-address 127.0.0.1:70000 | '--http-address': "127.0.0.1:70000": the port "70000" is not a number from 0 to 65535
      server --xds-address ::1:15012 | '--xds-address': "::1:15012": an IPv6 host goes in brackets, with the port after them, e.g. [::1]:15012
      server --xds-plaintext-address [10.0.0.1]:15010 | '--xds-plaintext-address': "[10.0.0.1]:15010": "10.0.0.1" in brackets is not an IPv6 address
      server --http-address 'a b:1' | '--http-address': "a b:1": "a b" is neither an IP address nor a host name
      agent --status-address 0.0.0.0:x | '--status-address': "0.0.0.0:x": the port "x" is not a number from 0 to 65535
      agent --readiness-address 15021 | '--readiness-address': "15021" has no port
      agent --local-xds-address fe80::1 | '--local-xds-address': "fe80::1": an IPv6 host goes in brackets, with the port after them, e.g. [fe80::1]:PORT
      demo serve --listen 127.0.0.1:-1 | '--listen': "127.0.0.1:-1": the port "-1" is not a number
      """)
  void badAddressIsRefusedNamingTheFlagAndThePart(String command, String message) {
    Cli r = Cli.run(words(command));

    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("Invalid value for option " + message);
    assertThat(r.err().contains("(or 'off' for no listener)")).as("only listeners that can be off say so")
        .isEqualTo(!command.startsWith("demo"));
  }

  @Test
  void goodAddressesAndOff() {
    ServerCommand server = new ServerCommand();
    new CommandLine(server).parseArgs("--http-address", "[::1]:0", "--xds-address", ":15012",
        "--xds-plaintext-address", "localhost:15010");

    assertThat(server.httpAddress.getAddress().getHostAddress()).isIn("0:0:0:0:0:0:0:1", "::1");
    assertThat(server.httpAddress.getPort()).isZero();
    assertThat(server.xdsTls.getAddress().isAnyLocalAddress()).isTrue();
    assertThat(server.xdsTls.getPort()).isEqualTo(15012);
    assertThat(server.xdsPlaintext.isUnresolved()).isFalse();
    assertThat(server.xdsPlaintext.getAddress().isLoopbackAddress()).isTrue();

    new CommandLine(server).parseArgs("--http-address", "off", "--xds-address", "off");
    assertThat(server.httpAddress).isNull();
    assertThat(server.xdsTls).isNull();
    assertThat(server.xdsPlaintext).as("its default is off").isNull();

    AgentCommand agent = new AgentCommand();
    new CommandLine(agent).parseArgs();
    assertThat(agent.statusAddress).isEqualTo(new InetSocketAddress("0.0.0.0", 15020));
    assertThat(agent.readinessAddress).isEqualTo(new InetSocketAddress("0.0.0.0", 15021));
    assertThat(agent.localXdsAddress).isNull();
  }

  private static String[] words(String line) {
    List<String> words = new ArrayList<>();
    var m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return words.toArray(String[]::new);
  }
}

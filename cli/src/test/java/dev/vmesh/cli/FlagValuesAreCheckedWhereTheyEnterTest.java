package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bad flag value of the onboarding and token commands is refused before anything else happens (no
 * server is running here, so a value that got through would end in "cannot reach the server" instead),
 * with exit 2 and a message naming the flag, the value and what would be accepted.
 */
class FlagValuesAreCheckedWhereTheyEnterTest {
  private static final String NO_SERVER = "--server=http://127.0.0.1:1";

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      workload entry configure --name web -n vm -o out --internal-ip 300.1.1.1 | '--internal-ip': "300.1.1.1" is not an IPv4 or IPv6 address
      workload entry configure --name web -n vm -o out --external-ip vm1.example.com | '--external-ip': "vm1.example.com" is not an IPv4 or IPv6 address
      workload entry configure --name web -n vm -o out --ingress-ip 10.0.0 | '--ingress-ip': "10.0.0" is not an IPv4 or IPv6 address
      workload entry configure --name web -n vm -o out --discovery-address vmesh:0 | '--discovery-address' (HOST:PORT): "vmesh:0" is not HOST:PORT with a port from 1 to 65535
      workload entry configure --name web -n vm -o out --discovery-address 10.0.0.1 | '--discovery-address' (HOST:PORT): "10.0.0.1" is not HOST:PORT
      workload entry configure --name web -n vm -o out --token-ttl 1y | '--token-ttl': "1y" is not a duration; use a whole number with ms, s, m, h or d
      workload entry configure --name web -n vm -o out --token-ttl 0 | '--token-ttl': "0" must be longer than 0
      workload entry configure --name Web_1 -n vm -o out | '--name': "Web_1" is not a valid name
      workload entry configure --name web -n VM -o out | '--namespace': "VM" is not a namespace name
      workload entry configure --name web -n vm -o out --cluster-id 'a b' | '--cluster-id': "a b" must be at most 253 characters without spaces
      workload group create --name web -n vm -p http=99999 | '--ports' (NAME=PORT): port "99999" must be a number from 1 to 65535
      workload group create --name web -n vm -p 'http port=80' | '--ports' (NAME=PORT): port name "http port" must be letters, digits and '-'
      workload group create --name web -n vm -l 'app=web app' | '--labels' (KEY=VALUE): value "web app" must be letters, digits, '-', '_' or '.'
      workload group create --name web -n vm -l 'my app=web' | '--labels' (KEY=VALUE): key "my app": name "my app" must be 1..63 characters
      workload group create --name web -n vm -s My_SA | '--service-account': "My_SA" is not a valid name
      workload group create --name web -n vm -w -1 | '--weight': "-1" must be a whole number from 0 to 4294967295
      workload group create --name web -n vm --locality a/b/c/d | '--locality': "a/b/c/d" is not REGION[/ZONE[/SUBZONE]]
      token create -n vm -s my-vm --ttl 1 | '--ttl': "1" is not a duration
      token create -n vm -s my-vm --ttl 0s | '--ttl': "0s" must be longer than 0
      token create -n 'v m' -s my-vm | '--namespace': "v m" is not a namespace name
      token create -n vm -s 'my vm' | '--service-account': "my vm" is not a valid name
      token create -n vm -s my-vm -o /tmp | '--output': "/tmp" is a directory; name a file
      workload entry configure --name web -n vm -o /etc/passwd | '--output': "/etc/passwd" is a file; name a directory
      """)
  void badValueIsRefusedNamingTheFlagAndTheValue(String command, String message) {
    String[] args = Stream.concat(Arrays.stream(split(command)),
        Stream.of(NO_SERVER)).toArray(String[]::new);

    Cli r = Cli.run(args);

    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("Invalid value for option " + message)
        .contains("Run 'vmesh " + String.join(" ", Arrays.stream(split(command))
            .takeWhile(w -> !w.startsWith("-")).toList()) + " --help' for its flags.")
        .doesNotContain("cannot reach the server").doesNotContain("Usage:");
  }

  /** Words of a command line, with single quotes grouping words as a shell would. */
  private static String[] split(String line) {
    List<String> words = new ArrayList<>();
    var m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return words.toArray(String[]::new);
  }
}

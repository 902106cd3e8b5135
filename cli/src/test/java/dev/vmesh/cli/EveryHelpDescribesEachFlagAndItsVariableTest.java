package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Runs {@code --help} of every command and checks what a newcomer relies on: every flag and argument is
 * listed with a description, no word of a description (a default such as {@code ./vmesh-data} or
 * {@code 127.0.0.1:15014}) is cut across lines, and every flag of the two long-running commands, which
 * systemd starts, names the environment variable that sets it, and that variable is the one the flag
 * reads.
 */
class EveryHelpDescribesEachFlagAndItsVariableTest {
  private static final Pattern ENV = Pattern.compile("env (VMESH_[A-Z0-9_]+)");

  static Stream<String> commands() {
    List<String> names = new ArrayList<>();
    walk(new CommandLine(new Main()), names);
    return names.stream();
  }

  private static void walk(CommandLine cl, List<String> names) {
    names.add(cl.getCommandSpec().qualifiedName());
    cl.getSubcommands().forEach((name, sub) -> {
      if (name.equals(sub.getCommandName()) && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        walk(sub, names);
      }
    });
  }

  @ParameterizedTest
  @MethodSource("commands")
  void helpListsEveryFlagAndArgumentWithADescriptionAndNoWordCut(String command) {
    CommandLine cl = find(command);
    String[] args = Stream.concat(Arrays.stream(command.split(" ")).skip(1), Stream.of("--help"))
        .toArray(String[]::new);

    Cli r = Cli.run(args);

    assertThat(r.exit()).as(r.err()).isZero();
    List<String> tokens = Arrays.asList(r.out().split("\\s+"));
    List<ArgSpec> described = new ArrayList<>(cl.getCommandSpec().options());
    described.addAll(cl.getCommandSpec().positionalParameters());
    for (ArgSpec arg : described) {
      String name = arg instanceof OptionSpec o ? o.longestName() : arg.paramLabel();
      String description = String.join(" ", arg.description()).strip();
      assertThat(description).as(command + " " + name + " has no description").isNotEmpty();
      if (arg instanceof OptionSpec o) {
        assertThat(r.out()).as(command + " lists " + name).contains(HelpLayout.label(o));
      }
      for (String word : description.split("\\s+")) {
        assertThat(tokens).as(command + " " + name + ": \"" + word + "\" is cut or missing in\n" + r.out())
            .contains(word);
      }
    }
    assertThat(r.out().lines()).as("lines longer than 80 columns hold a single word")
        .allMatch(l -> l.length() <= 80 || !l.strip().contains(" "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"vmesh server", "vmesh agent", "vmesh gateway"})
  void everyFlagOfTheServerAndTheAgentNamesTheVariableItReads(String command) {
    for (OptionSpec o : find(command).getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      Matcher m = ENV.matcher(String.join(" ", o.description()));
      assertThat(m.find()).as(command + " " + o.longestName() + " names no environment variable").isTrue();
      assertThat(o.defaultValueString()).as(command + " " + o.longestName() + " reads " + m.group(1))
          .startsWith("${env:" + m.group(1));
    }
  }

  private static CommandLine find(String qualifiedName) {
    CommandLine cl = new CommandLine(new Main());
    for (String part : Arrays.stream(qualifiedName.split(" ")).skip(1).toList()) {
      cl = cl.getSubcommands().get(part);
    }
    return cl;
  }
}

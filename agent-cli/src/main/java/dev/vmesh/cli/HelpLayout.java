package dev.vmesh.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code HelpLayout} renders {@code --help}: a short synopsis ({@code [OPTIONS]}), then the description,
 * positional parameters, options and subcommands, wrapped only at spaces. Picocli's own layout wraps
 * with a line break iterator that also breaks after ':' and around '/', which cut default values such as
 * {@code ./vmesh-data} and {@code 127.0.0.1:15014} in two.
 */
final class HelpLayout {
  /** Where descriptions start; longer labels get their description on the next line. */
  private static final int LABEL_WIDTH = 30;

  private HelpLayout() {}

  /** Uses this layout for {@code cl} and all its subcommands. */
  static void apply(CommandLine cl) {
    CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    usage.abbreviateSynopsis(true);
    usage.parameterListHeading("%nArguments:%n");
    usage.optionListHeading("%nOptions:%n");
    usage.commandListHeading("%nCommands:%n");
    Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> description(help.commandSpec()));
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, help -> parameters(help.commandSpec()));
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> options(help.commandSpec()));
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> commands(help.commandSpec()));
    cl.getSubcommands().values().stream().distinct().forEach(HelpLayout::apply);
  }

  private static int width(CommandSpec spec) {
    return spec.usageMessage().width();
  }

  private static String description(CommandSpec spec) {
    StringBuilder sb = new StringBuilder();
    for (String paragraph : spec.usageMessage().description()) {
      wrap(sb, paragraph, 0, 0, width(spec));
    }
    return sb.toString();
  }

  private static String parameters(CommandSpec spec) {
    List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
    if (params.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (PositionalParamSpec p : params) {
      row(sb, "      " + p.paramLabel(), p, width(spec));
    }
    return sb.toString();
  }

  private static String options(CommandSpec spec) {
    List<OptionSpec> options = new ArrayList<>(spec.options().stream().filter(o -> !o.hidden()).toList());
    if (spec.usageMessage().sortOptions()) {
      options.sort(Comparator.comparing(o -> sortKey(o)));
    }
    StringBuilder sb = new StringBuilder();
    for (OptionSpec o : options) {
      row(sb, label(o), o, width(spec));
    }
    return sb.toString();
  }

  private static String commands(CommandSpec spec) {
    Map<String, CommandLine> subs = spec.subcommands();
    if (subs.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    int nameWidth = subs.keySet().stream().mapToInt(String::length).max().orElse(0) + 4;
    subs.entrySet().stream().filter(e -> e.getKey().equals(e.getValue().getCommandName()))
        .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).forEach(e -> {
          String first = String.join("\n", e.getValue().getCommandSpec().usageMessage().description())
              .replace("%n", "\n").lines().filter(l -> !l.isBlank()).findFirst().orElse("");
          String label = "  " + e.getKey();
          sb.append(label).append(" ".repeat(Math.max(2, nameWidth - label.length())));
          wrap(sb, first, Math.max(nameWidth, label.length() + 2), nameWidth + 2, width(spec));
        });
    return sb.toString();
  }

  /** {@code  -n, --namespace=NS}, {@code      --[no-]auto-allocate}, {@code      --ports=NAME=PORT[,...]}. */
  static String label(OptionSpec o) {
    List<String> names = List.of(o.names());
    String shortName = names.stream().filter(n -> n.length() == 2 && !n.startsWith("--")).findFirst().orElse(null);
    List<String> longNames = names.stream().filter(n -> !n.equals(shortName))
        .map(n -> o.negatable() ? n.replaceFirst("^--", "--[no-]") : n).toList();
    StringBuilder sb = new StringBuilder(shortName == null ? "      " : "  " + shortName + (longNames.isEmpty() ? "" : ", "));
    sb.append(String.join(", ", longNames));
    if (o.arity().max() > 0 && !o.negatable() && o.type() != boolean.class && o.type() != Boolean.class) {
      sb.append('=').append(o.paramLabel());
      if (!o.splitRegex().isEmpty()) {
        sb.append("[,").append(o.paramLabel()).append("...]");
      }
    }
    return sb.toString();
  }

  private static String sortKey(OptionSpec o) {
    return o.longestName().replaceFirst("^-+", "").toLowerCase(Locale.ROOT);
  }

  private static void row(StringBuilder sb, String label, ArgSpec arg, int width) {
    sb.append(label);
    int first;
    if (label.length() > LABEL_WIDTH - 2) {
      sb.append('\n').append(" ".repeat(LABEL_WIDTH));
      first = LABEL_WIDTH;
    } else {
      sb.append(" ".repeat(LABEL_WIDTH - label.length()));
      first = LABEL_WIDTH;
    }
    wrap(sb, String.join(" ", arg.description()), first, LABEL_WIDTH + 2, width);
  }

  /**
   * Appends {@code text} wrapped at spaces to lines of at most {@code width} (a word longer than that
   * keeps its own line whole): the first line continues at column {@code column}, the others start at
   * {@code indent}.
   */
  static void wrap(StringBuilder sb, String text, int column, int indent, int width) {
    int col = column;
    boolean lineHasWords = false;
    for (String word : text.strip().split(" +")) {
      if (word.isEmpty()) {
        continue;
      }
      if (lineHasWords && col + 1 + word.length() > width) {
        sb.append('\n').append(" ".repeat(indent));
        col = indent;
        lineHasWords = false;
      }
      if (lineHasWords) {
        sb.append(' ');
        col++;
      }
      sb.append(word);
      col += word.length();
      lineHasWords = true;
    }
    sb.append('\n');
  }
}

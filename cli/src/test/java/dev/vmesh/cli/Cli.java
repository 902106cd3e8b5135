package dev.vmesh.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Test helper: runs the CLI in-process and captures exit code and output. */
record Cli(int exit, String out, String err) {
  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(exit, out.toString(), err.toString());
  }
}

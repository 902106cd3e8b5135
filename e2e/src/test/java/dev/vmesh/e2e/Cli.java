package dev.vmesh.e2e;

import dev.vmesh.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the vmesh CLI in-process. */
record Cli(int exit, String out, String err) {
  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Cli(exit, out.toString(), err.toString());
  }
}

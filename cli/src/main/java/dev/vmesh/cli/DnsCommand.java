package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import dev.vmesh.api.Addresses;
import dev.vmesh.dns.DnsProxy;
import dev.vmesh.dns.DnsProxyConfig;
import dev.vmesh.api.NameTable;
import dev.vmesh.dns.NameTableJson;
import dev.vmesh.dns.ResolvConf;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmesh dns}: the DNS proxy on its own, outside the agent. */
@Command(name = "dns", mixinStandardHelpOptions = true, description = "The DNS proxy on its own.",
    subcommands = DnsCommand.Serve.class)
final class DnsCommand {

  /** {@code vmesh dns serve}: answers the names of a name table file, forwards the rest, until stopped. */
  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = {"Serve DNS for the names in a name table file (the nameTable of vmesh registry -o json, or just",
          "that map) over UDP and TCP; every other query goes to the nameservers of --resolv-conf. Short names",
          "are expanded for --namespace and the first search domain of --resolv-conf. Stop with Ctrl-C or SIGTERM.",
          "Example: vmesh registry --config examples/mesh -o json > names.json &&"
              + " vmesh dns serve --table names.json --listen 127.0.0.1:5353"})
  static final class Serve implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--table", required = true, paramLabel = "FILE", description = "Name table (JSON).")
    Path table;

    @Option(names = "--listen", paramLabel = "ADDRESS", description = "IP:PORT (or [IPv6]:PORT) to serve on; repeat for"
        + " more (default: 127.0.0.1:15053, and [::1]:15053 when a nameserver is IPv6).")
    List<String> listen;

    @Option(names = "--resolv-conf", defaultValue = "/etc/resolv.conf", paramLabel = "FILE",
        description = "Upstream nameservers and search domains, resolv.conf format; a nameserver may carry a port,"
            + " e.g. 127.0.0.1:5300 (default: ${DEFAULT-VALUE}).")
    Path resolvConf;

    @Option(names = "--namespace", defaultValue = "default", paramLabel = "NS",
        description = "This proxy's namespace, for bare Kubernetes service names (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN",
        description = "Cluster DNS domain of Kubernetes hosts (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--forward-timeout", defaultValue = "5s", paramLabel = "DURATION",
        description = "Time each upstream gets, e.g. 500ms, 5s (default: ${DEFAULT-VALUE}).")
    String forwardTimeout;

    @Option(names = "--parallel-forwarding", description = "Ask all upstreams at once instead of one after another.")
    boolean parallel;

    @Option(names = "--io-threads", defaultValue = "1", paramLabel = "N",
        description = "UDP sockets on the port, each served by a thread of its own, and event loop threads for TCP and "
            + "forwarding (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--reload-interval", defaultValue = "1s", paramLabel = "DURATION",
        description = "How often to check --table for changes and serve the new names, e.g. 500ms, 5s; 0 never"
            + " (default: ${DEFAULT-VALUE}). A file that does not parse is reported and the previous names kept.")
    String reloadInterval;

    /** Completes when the server should stop: on SIGTERM/Ctrl-C, or when a test says so. */
    final CompletableFuture<Void> stop = new CompletableFuture<>();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      NameTable names;
      ResolvConf conf;
      List<InetSocketAddress> addresses;
      Duration reload;
      Duration timeout;
      FileVersion version;
      try {
        reload = duration("--reload-interval", reloadInterval);
        timeout = duration("--forward-timeout", forwardTimeout);
        version = FileVersion.of(table);
        names = NameTableJson.parse(table.toString(), Files.readString(table, StandardCharsets.UTF_8));
        conf = ResolvConf.read(resolvConf);
        addresses = listen == null || listen.isEmpty() ? DnsProxyConfig.defaultListen(conf.nameservers(),
            DnsProxyConfig.DEFAULT_PORT) : parseListen(listen);
      } catch (NoSuchFileException e) {
        err.println("vmesh dns serve: " + e.getFile() + ": no such file");
        return 2;
      } catch (IOException e) {
        err.println("vmesh dns serve: cannot read: " + e.getMessage());
        return 2;
      } catch (NameTableJson.InvalidNameTableException | IllegalArgumentException e) {
        err.println(e.getMessage());
        return 2;
      }
      conf.warnings().forEach(w -> err.println("warning: " + w));
      Main.setLogLevel(Level.INFO);
      DnsProxy proxy = DnsProxy.builder().listen(addresses).resolvConf(conf).namespace(namespace)
          .clusterDomain(clusterDomain).forwardTimeout(timeout)
          .parallelForwarding(parallel).ioThreads(ioThreads).build();
      try {
        proxy.start();
      } catch (BindException e) {
        proxy.close();
        err.println("vmesh dns serve: " + e.getMessage() + " (is another DNS server using it? choose one with --listen)");
        return 1;
      }
      Thread hook = new Thread(() -> {
        proxy.close();
        stop.complete(null);
      }, "shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        proxy.updateTable(names).join();
        out.println("vmesh dns: serving " + names.size() + " names from " + table + " on " + describe(proxy.listenAddresses())
            + " (udp, tcp); forwarding to " + (proxy.upstreams().isEmpty() ? "nothing (no nameserver in " + resolvConf + ")"
            : describe(proxy.upstreams()) + (parallel ? " in parallel" : " one after another")) + "; search "
            + (conf.search().isEmpty() ? "none" : String.join(" ", conf.search())) + "; stop with Ctrl-C");
        out.flush();
        if (!reload.isZero()) {
          watchTable(proxy, version, reload, out, err);
        }
        stop.join();
        return 0;
      } finally {
        proxy.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down: the hook is running
        }
      }
    }

    /**
     * Until stopped: every {@code every}, serves the table file's names again when the file changed (its
     * inode, size or modification time). Write the file elsewhere and rename it over the old one, or a
     * check may catch it half written (that is reported, and the complete file is loaded at the next
     * change).
     */
    private void watchTable(DnsProxy proxy, FileVersion loaded, Duration every, PrintWriter out, PrintWriter err) {
      FileVersion seen = loaded;
      while (true) {
        try {
          stop.get(every.toNanos(), TimeUnit.NANOSECONDS);
          return;
        } catch (TimeoutException e) {
          // time to look
        } catch (InterruptedException | ExecutionException e) {
          return;
        }
        FileVersion now = FileVersion.of(table);
        if (now.equals(seen)) {
          continue;
        }
        seen = now;
        String problem;
        try { // nothing read from the file may stop a running server: report it and keep the names
          NameTable names = NameTableJson.parse(table.toString(), Files.readString(table, StandardCharsets.UTF_8));
          proxy.updateTable(names);
          out.println("vmesh dns: reloaded " + names.size() + " names from " + table);
          out.flush();
          continue;
        } catch (NoSuchFileException e) {
          problem = "vmesh dns serve: " + table + ": no such file";
        } catch (IOException e) {
          problem = "vmesh dns serve: cannot read: " + e.getMessage();
        } catch (NameTableJson.InvalidNameTableException e) {
          problem = e.getMessage();
        } catch (RuntimeException e) {
          problem = "vmesh dns serve: " + table + ": " + e;
        }
        err.println(problem + "; still serving the names loaded before (fix the file and save it again)");
        err.flush();
      }
    }

    /** What tells one version of a file from the next; all null when the file is missing. */
    private record FileVersion(Object key, FileTime modified, long size) {
      static FileVersion of(Path file) {
        try {
          BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
          return new FileVersion(a.fileKey(), a.lastModifiedTime(), a.size());
        } catch (IOException e) {
          return new FileVersion(null, null, -1);
        }
      }
    }

    private static Duration duration(String flag, String value) {
      Duration d;
      try {
        d = Inputs.duration(value);
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new IllegalArgumentException("vmesh dns serve: " + flag + ": " + e.getMessage());
      }
      if (d.compareTo(Duration.ofDays(365)) > 0) {
        throw new IllegalArgumentException("vmesh dns serve: " + flag + ": " + value + " is more than a year");
      }
      return d;
    }

    private static List<InetSocketAddress> parseListen(List<String> values) {
      List<InetSocketAddress> out = new ArrayList<>();
      for (String v : values) {
        String host = v;
        int port = DnsProxyConfig.DEFAULT_PORT;
        int colon = v.lastIndexOf(':');
        if (v.startsWith("[") && v.contains("]")) {
          host = v.substring(1, v.indexOf(']'));
          if (v.indexOf(']') + 1 < v.length()) {
            port = port(v, v.substring(v.indexOf(']') + 2));
          }
        } else if (colon > 0 && v.indexOf(':') == colon) {
          host = v.substring(0, colon);
          port = port(v, v.substring(colon + 1));
        }
        if (!Addresses.isIp(host)) {
          throw new IllegalArgumentException("vmesh dns serve: --listen " + v
              + ": not an IP address with a port, e.g. 127.0.0.1:15053 or [::1]:15053");
        }
        out.add(new InetSocketAddress(Addresses.parseIp(host), port));
      }
      return out;
    }

    private static int port(String value, String port) {
      try {
        int p = Integer.parseInt(port);
        if (p >= 0 && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException("vmesh dns serve: --listen " + value + ": the port must be 0..65535");
    }

    private static String describe(List<InetSocketAddress> addresses) {
      return addresses.stream().map(a -> (a.getAddress() instanceof Inet6Address
          ? "[" + a.getAddress().getHostAddress() + "]" : a.getAddress().getHostAddress()) + ":" + a.getPort())
          .collect(Collectors.joining(", "));
    }
  }
}

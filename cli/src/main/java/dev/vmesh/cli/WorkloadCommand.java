package dev.vmesh.cli;

import dev.vmesh.agent.config.ClusterEnv;
import dev.vmesh.agent.config.Onboarding;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.MeshConfigCodec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.api.validation.Validator;
import dev.vmesh.pki.Pem;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmesh workload}: describe VM workloads and write the files a VM needs to join the mesh. */
@Command(name = "workload", mixinStandardHelpOptions = true,
    description = "WorkloadGroups and VM onboarding files.",
    subcommands = {WorkloadCommand.Group.class, WorkloadCommand.Entry.class})
final class WorkloadCommand {

  /** {@code vmesh workload group}. */
  @Command(name = "group", mixinStandardHelpOptions = true, description = "WorkloadGroups.",
      subcommands = GroupCreate.class)
  static final class Group {}

  /** {@code vmesh workload entry}. */
  @Command(name = "entry", mixinStandardHelpOptions = true, description = "WorkloadEntries and VM onboarding.",
      subcommands = EntryConfigure.class)
  static final class Entry {}

  /** {@code vmesh workload group create}: prints a WorkloadGroup to apply. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Print a WorkloadGroup (YAML) for VMs of one kind; apply it with vmesh apply -f -.",
          "Example: vmesh workload group create --name python-http -n vm -l app=python-http -p http=9090 -s my-vm"})
  static final class GroupCreate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--name", required = true, paramLabel = "NAME", converter = Inputs.ObjectName.class,
        description = "Name of the group (and of the VMs' workload).")
    String name;

    @Option(names = {"-n", "--namespace"}, required = true, paramLabel = "NS", converter = Inputs.Namespace.class,
        description = "Namespace of the group and of its VMs' entries.")
    String namespace;

    @Option(names = {"-l", "--labels"}, split = ",", paramLabel = "KEY=VALUE",
        converter = {Inputs.LabelKey.class, Inputs.LabelValue.class},
        description = "Labels of every entry in the group (what ServiceEntries select), e.g. app=web,version=v1.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = {"-a", "--annotations"}, split = ",", paramLabel = "KEY=VALUE",
        converter = {Inputs.LabelKey.class, Inputs.AnyText.class},
        description = "Annotations of every entry in the group.")
    Map<String, String> annotations = new LinkedHashMap<>();

    @Option(names = {"-p", "--ports"}, split = ",", paramLabel = "NAME=PORT",
        converter = {Inputs.PortName.class, Inputs.Port.class},
        description = "Named ports of the workload, e.g. http=8080,grpc=9090.")
    Map<String, Integer> ports = new LinkedHashMap<>();

    @Option(names = {"-s", "--service-account", "--serviceAccount"}, defaultValue = "default", paramLabel = "SA",
        converter = Inputs.ObjectName.class,
        description = "Service account the VMs run as; their certificates prove it (default: default).")
    String serviceAccount;

    @Option(names = "--network", defaultValue = "", paramLabel = "NETWORK", converter = Inputs.Word.class,
        description = "Network the VMs are on (default: empty, the mesh's default network).")
    String network;

    @Option(names = "--locality", defaultValue = "", paramLabel = "REGION/ZONE/SUBZONE",
        converter = Inputs.Locality.class, description = "Where the VMs are, for locality-aware load balancing.")
    String locality;

    @Option(names = {"-w", "--weight"}, defaultValue = "0", paramLabel = "N", converter = Inputs.Weight.class,
        description = "Load-balancing weight of each entry (default: 0, unset).")
    long weight;

    @Override
    public Integer call() {
      WorkloadEntrySpec template = new WorkloadEntrySpec("", ports, Map.of(), network, locality, weight,
          serviceAccount);
      Resource wg = Resource.of(ObjectMeta.of(namespace, name),
          new WorkloadGroupSpec(new WorkloadGroupSpec.Metadata(labels, annotations), template, null));
      List<Problem> errors = new Validator().validate(wg).stream().filter(Problem::isError).toList();
      if (!errors.isEmpty()) {
        errors.forEach(p -> spec.commandLine().getErr().println("vmesh workload group create: " + p));
        return 1;
      }
      spec.commandLine().getOut().print(ResourceWriter.yaml(wg));
      return 0;
    }
  }

  /** {@code vmesh workload entry configure}: the onboarding files of one VM. */
  @Command(name = "configure", mixinStandardHelpOptions = true,
      description = {"Write the files a VM of a WorkloadGroup needs to join the mesh: cluster.env, mesh.yaml,"
          + " root-cert.pem, istio-token (a bootstrap token) and hosts.",
          "Copy them to /etc/vmesh on the VM (hosts: append to /etc/hosts) and start the vmesh-agent service."})
  static final class EntryConfigure implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerConnection connection;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
      @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
          description = "A WorkloadGroup YAML or JSON file (instead of --name and -n).")
      Path file;

      @ArgGroup(exclusive = false)
      Named named;
    }

    static final class Named {
      @Option(names = "--name", required = true, paramLabel = "NAME", converter = Inputs.ObjectName.class,
          description = "A WorkloadGroup stored on the server.")
      String name;

      @Option(names = {"-n", "--namespace"}, required = true, paramLabel = "NS", converter = Inputs.Namespace.class,
          description = "The WorkloadGroup's namespace.")
      String namespace;
    }

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", converter = Inputs.OutputDir.class,
        description = "Directory to write the files to (created if missing); istio-token is written with mode 0600.")
    Path output;

    @Option(names = "--autoregister", description = "The agent registers its VM (ISTIO_META_AUTO_REGISTER_GROUP).")
    boolean autoRegister;

    @Option(names = "--capture-dns", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "The agent answers the VM's DNS queries for mesh names (default: on).")
    boolean captureDns;

    @Option(names = "--token-ttl", defaultValue = "1h", paramLabel = "DURATION",
        converter = Inputs.PositiveDuration.class,
        description = "Lifetime of the bootstrap token (default: 1h); needed only for the first certificate, which"
            + " the agent then renews with the certificate itself.")
    Duration tokenTtl;

    @Option(names = "--discovery-address", split = ",", paramLabel = "HOST:PORT", converter = Inputs.HostPort.class,
        description = "The server's xDS and CA address(es) as the VM reaches them; several fail over"
            + " (default: the --server host, port 15012).")
    List<String> discoveryAddresses;

    @Option(names = "--ingress-ip", paramLabel = "IP", defaultValue = "", converter = Inputs.Ip.class,
        description = "IP that the discovery host name resolves to on the VM, written to the hosts file: the"
            + " east-west gateway through which a VM on another network reaches the server. Without"
            + " --discovery-address the discovery address is then " + CONTROL_PLANE_NAME + ":15012, a name the"
            + " server's certificate carries.")
    String ingressIp;

    /** The control plane's name as Istio's VMs use it, in the server's certificate by default (--server-name). */
    static final String CONTROL_PLANE_NAME = "istiod.istio-system.svc";

    @ArgGroup(exclusive = true)
    Ip ip = new Ip();

    static final class Ip {
      @Option(names = {"--internal-ip", "--internalIP"}, paramLabel = "IP", defaultValue = "",
          converter = Inputs.Ip.class, description = "The VM's address in the mesh (default: the agent uses the VM's first address).")
      String internal = "";

      @Option(names = {"--external-ip", "--externalIP"}, paramLabel = "IP", defaultValue = "",
          converter = Inputs.Ip.class, description = "Like --internal-ip, for a VM known by an external IP; probes then go to localhost.")
      String external = "";
    }

    @Option(names = {"--cluster-id", "--clusterID"}, defaultValue = "Kubernetes", paramLabel = "ID",
        converter = Inputs.Word.class, description = "Cluster id announced in the node metadata (default: Kubernetes).")
    String clusterId;

    @Override
    public Integer call() throws IOException {
      PrintWriter err = spec.commandLine().getErr();
      Resource group;
      AdminClient client = new AdminClient(connection.server(), connection.token());
      try {
        group = source.file != null ? readGroup(source.file) : client.get(new ResourceKey(Kind.WORKLOAD_GROUP,
            source.named.namespace, source.named.name)).orElseThrow(() -> new IllegalArgumentException(
            "WorkloadGroup " + source.named.namespace + "/" + source.named.name + " not found on "
                + connection.server() + "; create it with vmesh workload group create ... | vmesh apply -f -"));
      } catch (IllegalArgumentException e) {
        err.println("vmesh workload entry configure: " + e.getMessage());
        return 1;
      }
      var mesh = (SourceNode.MapNode) SourceParser.parseJson("mesh.json", client.call("GET", "/admin/mesh", null))
          .documents().get(0);
      String trustDomain = TokenCommand.text(mesh, "trustDomain");
      List<String> discovery = discoveryAddresses != null && !discoveryAddresses.isEmpty() ? discoveryAddresses
          : !ingressIp.isEmpty() ? List.of(CONTROL_PLANE_NAME + ":15012")
          : List.of(URI.create(connection.server()).getHost() + ":15012");
      Onboarding.Files files = Onboarding.build(group, new Onboarding.Options(discovery, autoRegister, captureDns,
          ip.internal, ip.external, clusterId, trustDomain, trustDomain));
      String sa = files.clusterEnv().get("SERVICE_ACCOUNT");
      SourceNode.MapNode token = TokenCommand.create(client, group.namespace(), sa, tokenTtl, false);

      Files.createDirectories(output);
      write("cluster.env", ClusterEnv.format(files.clusterEnv()), "rw-r--r--");
      write("mesh.yaml", MeshConfigCodec.yaml(files.meshConfig()), "rw-r--r--");
      write("root-cert.pem", TokenCommand.text(mesh, "rootCert"), "rw-r--r--");
      write("istio-token", TokenCommand.text(token, "token") + "\n", "rw-------");
      write("hosts", hosts(discovery, err), "rw-r--r--");
      spec.commandLine().getOut().println("wrote cluster.env, mesh.yaml, root-cert.pem, istio-token and hosts to "
          + output + " for " + group.namespace() + "/" + group.name() + " (service account " + sa
          + "); the token expires " + Table.time(TokenCommand.text(token, "expires")));
      return 0;
    }

    private String hosts(List<String> discovery, PrintWriter err) {
      StringBuilder sb = new StringBuilder();
      List<String> names = new ArrayList<>();
      for (String a : discovery) {
        String host = a.substring(0, a.lastIndexOf(':'));
        if (!Addresses.isIp(host.replace("[", "").replace("]", "")) && !names.contains(host)) {
          names.add(host);
        }
      }
      if (!names.isEmpty() && ingressIp.isEmpty()) {
        err.println("note: hosts is empty; " + String.join(", ", names) + " must resolve on the VM (or pass"
            + " --ingress-ip IP)");
      } else if (!names.isEmpty()) {
        sb.append(ingressIp).append(' ').append(String.join(" ", names)).append('\n');
      }
      return sb.toString();
    }

    private void write(String name, String text, String mode) throws IOException {
      Pem.writeAtomically(output.resolve(name), text, mode);
    }

    /** The group in {@code file}, with Istio's defaults for -f input: template and service account. */
    private static Resource readGroup(Path file) throws IOException {
      String text;
      try {
        text = Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(file + ": no such file");
      }
      ResourceDecoder.Result r = ResourceDecoder.decode(file.toString(), text);
      List<Problem> problems = new ArrayList<>(r.problems());
      List<ResourceDecoder.Decoded> groups = r.decoded().stream()
          .filter(d -> d.resource().kind() == Kind.WORKLOAD_GROUP).toList();
      if (!r.hasErrors() && groups.size() != 1) {
        throw new IllegalArgumentException(file + ": expected exactly one WorkloadGroup, found " + groups.size());
      }
      Resource g = null;
      for (ResourceDecoder.Decoded d : groups) {
        g = withIstioctlDefaults(d.resource());
        problems.addAll(Validator.locate(new Validator().validate(g), d.sourceMap()));
      }
      List<Problem> errors = problems.stream().filter(Problem::isError).toList();
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(String.join("\n  ", errors.stream().map(Problem::toString).toList()));
      }
      return g;
    }

    /** As istioctl does for -f input only: a missing template is empty, an empty service account "default". */
    private static Resource withIstioctlDefaults(Resource g) {
      WorkloadGroupSpec s = (WorkloadGroupSpec) g.spec();
      WorkloadEntrySpec t = s.template() != null ? s.template()
          : new WorkloadEntrySpec("", Map.of(), Map.of(), "", "", 0, "");
      if (t.serviceAccount().isEmpty()) {
        t = new WorkloadEntrySpec(t.address(), t.ports(), t.labels(), t.network(), t.locality(), t.weight(),
            "default");
      }
      return new Resource(g.apiVersion(), g.kind(), g.metadata(), new WorkloadGroupSpec(s.metadata(), t, s.probe()),
          g.status());
    }
  }
}

package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The agent's jar (the classpath of {@code vmesh agent} in the vmesh-agent package) carries the agent and
 * its libraries, and none of the server's: no store, SQLite, etcd or Kubernetes client, no server-side
 * xDS, registry, CA or control plane, no server commands. Nor a second copy of what it has: one Netty
 * (gRPC runs on the Netty of the DNS proxy and the HTTP ports, not on grpc-netty-shaded's), and no
 * BouncyCastle (the agent's keys, requests and PEM files need only the JDK; the CA reads requests with it).
 */
class AgentJarHoldsOnlyWhatTheAgentUsesIT {
  private static final List<String> SERVER_ONLY = List.of("org/sqlite/", "io/etcd/", "io/fabric8/",
      "io/vertx/", "dev/vmesh/store/", "dev/vmesh/registry/", "dev/vmesh/xds/", "dev/vmesh/ca/",
      "dev/vmesh/controlplane/", "dev/vmesh/cli/ServerCommand", "dev/vmesh/cli/Main.class",
      "io/grpc/netty/shaded/", "org/bouncycastle/", "META-INF/native/libio_grpc_netty_shaded");

  @Test
  void noServerClassesOrClientsAreOnTheAgentsClasspath() throws IOException {
    try (JarFile jar = new JarFile(Packages.agentJar().toFile())) {
      List<String> names = jar.stream().map(ZipEntry::getName).toList();

      assertThat(names).contains("dev/vmesh/agent/Agent.class", "dev/vmesh/cli/AgentMain.class",
          "dev/vmesh/dns/DnsProxy.class", "dev/vmesh/pki/Pem.class", "io/grpc/netty/NettyChannelProvider.class");
      assertThat(names).as("server-only classes in %s", Packages.agentJar())
          .noneMatch(n -> SERVER_ONLY.stream().anyMatch(n::startsWith));
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.vmesh.cli.AgentMain");
    }
  }
}

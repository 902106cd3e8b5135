package dev.vmesh.agent;

import dev.vmesh.agent.capture.Netfilter;
import dev.vmesh.agent.envoy.EnvoySupervisor;
import dev.vmesh.agent.health.Prober;
import dev.vmesh.agent.xds.AgentStream;
import dev.vmesh.agent.xds.LocalXdsProxy;
import dev.vmesh.agent.xds.Upstream;
import dev.vmesh.proto.nds.NameTable;

/**
 * {@code AgentParts} holds what the agent brings up as it goes: the capture rules at start, and after
 * the first certificate the upstream connection, the agent's own xDS stream, local xDS, the prober and
 * Envoy. Each is null until it runs. The agent's start thread writes them; status pages and metrics read
 * them from any thread, hence volatile.
 */
final class AgentParts {
  volatile Netfilter capture;
  volatile Upstream upstream;
  volatile AgentStream stream;
  volatile LocalXdsProxy localXds;
  volatile Prober prober;
  volatile EnvoySupervisor envoy;
  volatile NameTable nameTable;
  /** Why bringing the parts up failed, or empty. */
  volatile String startupError = "";
  /** Whether the agent has withdrawn before stopping ({@link Agent#withdraw}): no longer ready. */
  volatile boolean withdrawn;
}

package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.Kind;
import dev.vmesh.api.NameTable;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus.HostAddress;
import dev.vmesh.registry.network.GatewayConfig;
import dev.vmesh.registry.network.NetworkIndex;
import dev.vmesh.registry.network.Networks;
import dev.vmesh.registry.scope.SidecarChange;
import dev.vmesh.registry.scope.SidecarIndex;
import dev.vmesh.registry.scope.Sidecars;
import dev.vmesh.registry.security.PeerAuthenticationIndex;
import dev.vmesh.registry.security.PeerAuthentications;
import dev.vmesh.registry.security.PolicyChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code Registry} computes services, their endpoints and addresses, and the DNS name table from
 * ServiceEntries and WorkloadEntries, incrementally: one object's update touches only the services it
 * affects (found through label indexes, {@link Selection}) and reports each with its state before and
 * after ({@link Changes}). It hands out virtual IPs ({@link VipAllocator}), says which ServiceEntries
 * should record theirs ({@link AddressStatus}), and keeps the name table ({@link NameTableView}). It
 * does no I/O.
 *
 * <p>Threading: one thread applies updates ({@link #upsert}, {@link #delete}, {@link #load}); any thread
 * may read ({@link #service}, {@link #services}, {@link #nameTable}, {@link #pendingStatusUpdates}).
 * Each {@link Service} read is a consistent immutable snapshot.
 */
public final class Registry {
  private final RegistryOptions options;
  private final Interner interner = new Interner();
  private final VipAllocator vips;

  private final Map<ResourceKey, ServiceEntryRecord> serviceEntries = new HashMap<>();
  private final Map<ResourceKey, Workload> workloads = new HashMap<>();
  private final Selection selection = new Selection();
  private final Map<ServiceKey, ServiceState> states = new HashMap<>();
  /** Hostname to the services naming it. */
  private final ServiceIndex byHostname = new ServiceIndex();
  /** Endpoint address to the services with an endpoint there. */
  private final ServiceIndex byEndpointAddress = new ServiceIndex();
  private final AddressStatus addressStatus;

  private final ConcurrentHashMap<ServiceKey, Service> services = new ConcurrentHashMap<>();
  /** Bumped after every change to {@link #services}; a sorted copy is good while this has not moved. */
  private final AtomicLong servicesVersion = new AtomicLong();
  private final AtomicReference<Sorted> sorted = new AtomicReference<>();

  /** {@link #services()} as of one version of the map. */
  private record Sorted(long version, List<Service> services) {}
  private final NameTableView nameTable = new NameTableView();
  private final PeerAuthenticationIndex peerAuthentications;
  private final NetworkIndex networks;
  private final GatewayConfig.Index gatewayConfig = new GatewayConfig.Index();
  private final SidecarIndex sidecars;
  /** Whether the update running now changed the network gateways (read and reset by {@link #finish}). */
  private boolean networksChanged;

  public Registry(RegistryOptions options) {
    this.options = options;
    this.vips = new VipAllocator(options.ipv4Pool(), options.ipv6Pool());
    this.addressStatus = new AddressStatus(vips);
    this.peerAuthentications = new PeerAuthenticationIndex(options.rootNamespace());
    this.networks = new NetworkIndex(options.meshNetworks());
    this.sidecars = new SidecarIndex(options.rootNamespace());
  }

  /**
   * What one update changed: each changed service with its state before and after, whether the name table
   * changed (for some namespace's view of it), what a PeerAuthentication update changed (else NONE), whether
   * the network gateways changed ({@link #networks()}), whether a Gateway or VirtualService did, and what an update
   * of Sidecars changed (else NONE).
   */
  public record Changes(Map<ServiceKey, ServiceChange> changes, boolean nameTable, PolicyChange peerAuthentication,
      boolean networks, boolean gatewayConfig, SidecarChange sidecars) {
    public static final Changes NONE = new Changes(Map.of(), false);

    public Changes {
      changes = Map.copyOf(changes);
    }

    /** The services that changed. */
    public Set<ServiceKey> services() {
      return changes.keySet();
    }

    public Changes(Map<ServiceKey, ServiceChange> changes, boolean nameTable) {
      this(changes, nameTable, PolicyChange.NONE);
    }

    public Changes(Map<ServiceKey, ServiceChange> changes, boolean nameTable, PolicyChange peerAuthentication) {
      this(changes, nameTable, peerAuthentication, false, false);
    }

    public Changes(Map<ServiceKey, ServiceChange> changes, boolean nameTable, PolicyChange peerAuthentication,
        boolean networks, boolean gatewayConfig) {
      this(changes, nameTable, peerAuthentication, networks, gatewayConfig, SidecarChange.NONE);
    }

    public boolean isEmpty() {
      return changes.isEmpty() && !nameTable && peerAuthentication.isEmpty() && !networks && !gatewayConfig
          && sidecars.isEmpty();
    }
  }

  /**
   * Adds or replaces one object. PeerAuthentications change only {@link #peerAuthentications()}; WorkloadGroups
   * are ignored (they matter to auto-registration, not to services).
   */
  public Changes upsert(Resource r) {
    Set<ServiceKey> changed = new HashSet<>();
    Set<ResourceKey> statusCheck = new HashSet<>();
    switch (r.kind()) {
      case WORKLOAD_ENTRY -> putWorkload(r.key(), Workload.of(r, options.trustDomain(), interner), changed);
      case SERVICE_ENTRY -> putServiceEntry(ServiceEntryRecord.of(r, options), changed, statusCheck);
      case PEER_AUTHENTICATION -> {
        return policyChanges(peerAuthentications.upsert(r));
      }
      case GATEWAY, VIRTUAL_SERVICE -> {
        return gatewayConfig.upsert(r) ? GATEWAY_CONFIG : Changes.NONE;
      }
      case SIDECAR -> {
        return sidecarChanges(sidecars.upsert(r));
      }
      default -> {
        return Changes.NONE;
      }
    }
    statusCheck.add(r.key());
    return finish(changed, statusCheck);
  }

  /** Removes one object. */
  public Changes delete(ResourceKey key) {
    Set<ServiceKey> changed = new HashSet<>();
    if (key.kind() == Kind.WORKLOAD_ENTRY) {
      removeWorkload(key, changed);
    } else if (key.kind() == Kind.SERVICE_ENTRY) {
      ServiceEntryRecord old = serviceEntries.get(key);
      if (old != null) {
        detach(old, changed);
        addressStatus.remove(key);
      }
    } else if (key.kind() == Kind.PEER_AUTHENTICATION) {
      return policyChanges(peerAuthentications.delete(key));
    } else if (key.kind() == Kind.GATEWAY || key.kind() == Kind.VIRTUAL_SERVICE) {
      return gatewayConfig.delete(key) ? GATEWAY_CONFIG : Changes.NONE;
    } else if (key.kind() == Kind.SIDECAR) {
      return sidecarChanges(sidecars.delete(key));
    }
    return finish(changed, Set.of());
  }

  private static final Changes GATEWAY_CONFIG = new Changes(Map.of(), false, PolicyChange.NONE, false, true);

  private static Changes sidecarChanges(SidecarChange c) {
    return c.isEmpty() ? Changes.NONE : new Changes(Map.of(), false, PolicyChange.NONE, false, false, c);
  }

  private static Changes policyChanges(PolicyChange c) {
    return c.isEmpty() ? Changes.NONE : new Changes(Map.of(), false, c);
  }

  /**
   * Loads many objects at once (the initial sync). ServiceEntries are taken oldest first, and every
   * address already recorded in their status is claimed before any new one is handed out, so virtual
   * IPs survive restarts whatever order objects come in; hosts with no recorded address then get
   * addresses in hostname order.
   */
  public Changes load(Collection<Resource> resources) {
    if (!serviceEntries.isEmpty() || !workloads.isEmpty()) {
      throw new IllegalStateException("load() is for an empty registry; apply events to a loaded one");
    }
    PolicyChange policies = peerAuthentications.load(resources);
    SidecarChange scopes = sidecars.load(resources);
    boolean gateways = false;
    Set<ServiceKey> changed = new HashSet<>();
    Set<ResourceKey> statusCheck = new HashSet<>();
    List<ServiceEntryRecord> entries = new ArrayList<>();
    for (Resource r : resources) {
      if (r.kind() == Kind.WORKLOAD_ENTRY) {
        putWorkload(r.key(), Workload.of(r, options.trustDomain(), interner), changed);
      } else if (r.kind() == Kind.SERVICE_ENTRY) {
        entries.add(ServiceEntryRecord.of(r, options));
      } else if (r.kind() == Kind.GATEWAY || r.kind() == Kind.VIRTUAL_SERVICE) {
        gateways |= gatewayConfig.upsert(r);
      }
    }
    entries.sort(Comparator.comparing(ServiceEntryRecord::created, Comparator.nullsLast(Comparator.naturalOrder()))
        .thenComparing(e -> e.key().namespace()).thenComparing(e -> e.key().name()));
    vips.claimRecorded(entries);
    for (ServiceEntryRecord e : entries) {
      attach(e, changed, statusCheck);
      statusCheck.add(e.key());
    }
    Changes services = finish(changed, statusCheck);
    return new Changes(services.changes(), services.nameTable(), policies, services.networks(), gateways, scopes);
  }

  public Optional<Service> service(ServiceKey key) {
    return Optional.ofNullable(services.get(key));
  }

  /** The services named {@code hostname}, one per namespace defining it, sorted by namespace. */
  public List<Service> servicesForHostname(String hostname) {
    return byHostname.services(hostname, services, Comparator.comparing(Service::namespace));
  }

  /** The services with an endpoint at {@code address} (say, a VM's IP), sorted by key. */
  public List<Service> servicesWithEndpointAt(String address) {
    return byEndpointAddress.services(address, services, Comparator.comparing(Service::key));
  }

  /**
   * Every service, sorted by hostname then namespace; unmodifiable. Generators ask for it for every
   * listener and every wildcard subscription, so the sorted copy is kept until a service changes.
   */
  public List<Service> services() {
    long version = servicesVersion.get();
    Sorted cached = sorted.get();
    if (cached != null && cached.version() == version) {
      return cached.services();
    }
    List<Service> out = new ArrayList<>(services.values());
    out.sort(Comparator.comparing(Service::key));
    List<Service> frozen = Collections.unmodifiableList(out);
    sorted.set(new Sorted(version, frozen)); // a copy that saw later changes too is only ever read at its version
    return frozen;
  }

  /** The PeerAuthentications now, an immutable snapshot: the mTLS each workload accepts, per port. */
  public PeerAuthentications peerAuthentications() {
    return peerAuthentications.snapshot();
  }

  /** The network gateways now, and the networks of endpoints by address (meshNetworks); an immutable snapshot. */
  public Networks networks() {
    return networks.snapshot();
  }

  /** The Gateways and VirtualServices now, an immutable snapshot. */
  public GatewayConfig gatewayConfig() {
    return gatewayConfig.snapshot();
  }

  /** The Sidecars now, an immutable snapshot: which services each workload's proxy sees. */
  public Sidecars sidecars() {
    return sidecars.snapshot();
  }

  /** The name table for DNS proxies, with every service (what RegistryJson and {@code vmesh registry} show). */
  public NameTable nameTable() {
    return nameTable.snapshot();
  }

  /** The name table as DNS proxies in {@code namespace} see it: only services visible there. */
  public NameTable nameTable(String namespace) {
    return nameTable.view(namespace);
  }

  /**
   * ServiceEntries whose {@code status.addresses} should be written (with the given value) so that
   * their auto-allocated addresses survive a restart. Empty lists mean "clear".
   */
  public Map<ResourceKey, List<HostAddress>> pendingStatusUpdates() {
    return addressStatus.pending();
  }

  // --- workloads ---

  private void putWorkload(ResourceKey key, Workload w, Set<ServiceKey> changed) {
    Workload old = workloads.put(key, w);
    if (w.equals(old)) {
      return;
    }
    networksChanged |= networks.putEntry(key, w.gateway());
    selection.putWorkload(key, old, w);
    Set<ResourceKey> affected = selection.selecting(w.namespace(), w.labels());
    if (old != null) {
      affected.addAll(selection.selecting(old.namespace(), old.labels()));
    }
    for (ResourceKey se : affected) {
      contribute(serviceEntries.get(se), key, w, changed);
    }
  }

  private void removeWorkload(ResourceKey key, Set<ServiceKey> changed) {
    Workload old = workloads.remove(key);
    if (old == null) {
      return;
    }
    selection.removeWorkload(key, old);
    networksChanged |= networks.putEntry(key, null);
    for (ResourceKey se : selection.selecting(old.namespace(), old.labels())) {
      contribute(serviceEntries.get(se), key, null, changed);
    }
  }

  /** Sets the endpoints workload {@code key} gives {@code se} (none if {@code w} is null or not selected). */
  private void contribute(ServiceEntryRecord se, ResourceKey key, Workload w, Set<ServiceKey> changed) {
    boolean selected = w != null && Selection.matches(se.selector(), w.labels())
        && (!w.dnsOnly() || se.spec().resolution().isDns());
    List<Endpoint> eps = selected ? Endpoints.of(w, se.spec()) : List.of();
    String contributor = key.namespacedName();
    for (String host : se.hosts()) {
      ServiceKey sk = new ServiceKey(host, se.namespace());
      if (states.get(sk).setEndpoints(se.key(), contributor, eps)) {
        changed.add(sk);
      }
    }
  }

  // --- service entries ---

  private void putServiceEntry(ServiceEntryRecord se, Set<ServiceKey> changed,
      Set<ResourceKey> statusCheck) {
    ServiceEntryRecord old = serviceEntries.get(se.key());
    if (se.sameExceptStatus(old)) {
      serviceEntries.put(se.key(), se); // only the status changed (usually our own write coming back)
      return;
    }
    Map<String, List<String>> keep = new HashMap<>();
    if (old != null) {
      for (String host : old.allocatedHosts()) {
        VipAllocator.Vips v = vips.get(host);
        if (v != null) {
          keep.put(host, Stream.of(v.v4(), v.v6()).filter(Objects::nonNull).toList());
        }
      }
      detach(old, changed);
    }
    for (String host : vips.addUserAddresses(se.userIps())) {
      changed.addAll(byHostname.keys(host));
      statusCheck.addAll(holders(host));
    }
    for (String host : se.allocatedHosts()) {
      List<String> claims = new ArrayList<>(se.claimed(host));
      claims.addAll(keep.getOrDefault(host, List.of()));
      vips.claim(se.key(), host, claims);
    }
    attach(se, changed, statusCheck);
  }

  private List<ResourceKey> holders(String host) {
    List<ResourceKey> out = new ArrayList<>();
    for (ServiceKey sk : byHostname.keys(host)) {
      ServiceState st = states.get(sk);
      if (st != null) {
        out.addAll(st.entryKeys());
      }
    }
    return out;
  }

  private void attach(ServiceEntryRecord se, Set<ServiceKey> changed, Set<ResourceKey> statusCheck) {
    serviceEntries.put(se.key(), se);
    String ns = se.namespace();
    selection.addSelector(se);
    for (String host : se.allocatedHosts()) {
      vips.hold(se.key(), host);
      statusCheck.addAll(holders(host));
    }
    for (String host : se.hosts()) {
      ServiceKey sk = new ServiceKey(host, ns);
      ServiceState st = states.computeIfAbsent(sk, ServiceState::new);
      byHostname.add(host, sk);
      st.putEntry(new ServiceState.Entry(se.key(), se.created(), se.spec(), se.allocatedHosts().contains(host)));
      changed.add(sk);
    }
    if (se.selector() != null) {
      for (ResourceKey wk : selection.candidates(se)) {
        contribute(se, wk, workloads.get(wk), changed);
      }
    } else if (!se.spec().endpoints().isEmpty()) {
      for (int i = 0; i < se.spec().endpoints().size(); i++) {
        Workload w = Workload.inline(se.spec().endpoints().get(i), ns, options.trustDomain(), interner);
        List<Endpoint> eps = Endpoints.of(w, se.spec());
        for (String host : se.hosts()) {
          states.get(new ServiceKey(host, ns)).setEndpoints(se.key(), "#" + i, eps);
        }
      }
    } else if (se.spec().resolution().isDns()) {
      for (String host : se.hosts()) {
        states.get(new ServiceKey(host, ns)).setEndpoints(se.key(), "dns", Endpoints.ofHost(host, se.spec()));
      }
    }
  }

  private void detach(ServiceEntryRecord se, Set<ServiceKey> changed) {
    serviceEntries.remove(se.key());
    String ns = se.namespace();
    selection.removeSelector(se);
    vips.removeUserAddresses(se.userIps());
    for (String host : se.allocatedHosts()) {
      vips.release(se.key(), host);
    }
    for (String host : se.hosts()) {
      ServiceKey sk = new ServiceKey(host, ns);
      ServiceState st = states.get(sk);
      st.removeEntry(se.key());
      if (st.isEmpty()) {
        states.remove(sk);
        byHostname.remove(host, sk);
      }
      changed.add(sk);
    }
  }

  // --- publishing ---

  private Changes finish(Set<ServiceKey> changed, Set<ResourceKey> statusCheck) {
    Set<String> hostnames = new HashSet<>();
    Map<ServiceKey, ServiceChange> reallyChanged = new HashMap<>();
    for (ServiceKey sk : changed) {
      ServiceState st = states.get(sk);
      Service next = st == null ? null : st.build(vips.get(sk.hostname()));
      Service prev = next == null ? services.remove(sk) : services.put(sk, next);
      servicesVersion.incrementAndGet();
      if (!Objects.equals(prev, next)) {
        byEndpointAddress.move(sk, ServiceChange.addresses(prev), ServiceChange.addresses(next));
        reallyChanged.put(sk, new ServiceChange(sk, prev, next));
        if (NameTableView.affectedBy(prev, next)) {
          hostnames.add(sk.hostname());
        }
      }
    }
    for (ResourceKey key : statusCheck) {
      ServiceEntryRecord se = serviceEntries.get(key);
      if (se != null) {
        addressStatus.check(se);
      }
    }
    for (ServiceKey sk : reallyChanged.keySet()) {
      if (networks.serviceNames().contains(sk.hostname())) {
        networksChanged |= networks.putService(sk.hostname(), endpointIps(sk.hostname()));
      }
    }
    boolean gateways = networksChanged;
    networksChanged = false;
    boolean names = false;
    for (String host : hostnames) {
      List<Service> withHost = new ArrayList<>();
      for (ServiceKey sk : byHostname.keys(host)) {
        Service s = services.get(sk);
        if (s != null) {
          withHost.add(s);
        }
      }
      names |= nameTable.update(host, withHost);
    }
    return reallyChanged.isEmpty() && !names && !gateways ? Changes.NONE
        : new Changes(reallyChanged, names, PolicyChange.NONE, gateways, false);
  }

  /** The IPs of the endpoints receiving traffic of every service named {@code host}. */
  private Set<String> endpointIps(String host) {
    Set<String> out = new HashSet<>();
    for (Service s : servicesForHostname(host)) {
      for (Endpoint e : s.healthyEndpoints()) {
        if (Addresses.isIp(e.address())) {
          out.add(e.address());
        }
      }
    }
    return out;
  }
}

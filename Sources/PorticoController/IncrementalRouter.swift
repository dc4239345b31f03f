import Foundation
import PorticoModel
import PorticoRouting

/// Routes snapshots to exactly the table `Router` gives, but routes again only what changed.
///
/// Ingresses fall into groups that nothing in routing relates: two Ingresses share a group when they
/// name a host in common (claims and a host's fallback are decided between them), and every Ingress
/// with rules without a host or a default backend is in one group (the catch-all server's routes
/// and fallback). Each group is routed by `Router` on its own Ingresses, the Services they name and
/// every IngressClass, and the whole table is kept as the sum of the groups' parts. A pass compares
/// the snapshot with the last one (element by element, which costs next to nothing for objects the
/// watch cache did not replace), and routes again only the groups of the Ingresses that changed,
/// of those that name a changed Service, and of those that now share a host with a changed one. At
/// 10,000 Ingresses a one-Ingress change routes one group instead of 10,000 Ingresses.
///
/// A first snapshot, or one whose IngressClasses changed (they decide whose every Ingress is), is
/// grouped and routed in full. Duplicate objects (two definitions of one namespace/name, which
/// manifests can give and a watch cache never does) are routed whole by `Router`, which decides
/// between them across groups.
///
/// The cost is memory: the routing table stays between changes, with the last snapshot's arrays and
/// the groups (at 10,000 Ingresses, about 16 MB of the heap between changes).
struct IncrementalRouter {
    /// `global` follows the `--configmap` ConfigMap: a change of it routes every group again.
    private(set) var options: RoutingOptions

    /// The last pass's inputs; `primed` once they are grouped (not after a pass routed whole).
    private var ingresses: [Ingress] = []
    private var services: [Service] = []
    private var classes: [IngressClass] = []
    private var serviceIndex: [ServiceKey: Int] = [:]
    private var primed = false

    private var groups: [Int: Group] = [:]
    private var nextGroupID = 0
    /// The group of each of `ingresses`.
    private var groupAt: [Int] = []
    /// The group whose Ingresses name each host (as `Host` spells it).
    private var hostOwner: [String: Int] = [:]
    /// The group with every Ingress that has rules without a host or a default backend.
    private var catchAllGroup: Int?
    private var totals = Totals()
    /// One string per field path (`spec.rules[0].http.paths[1]`) for every location, as one `Router`
    /// run shares them.
    private var fieldNames: [String: String] = [:]
    /// Validated certificates, kept between passes: a change parses only new or changed Secrets.
    private let certificates = CertificateCache()

    init(options: RoutingOptions) {
        self.options = options
    }

    /// Groups kept from the last pass (for tests).
    var groupCount: Int { groups.count }

    struct ServiceKey: Hashable {
        var namespace: String
        var name: String

        init(_ service: Service) {
            namespace = service.metadata.effectiveNamespace
            name = service.metadata.name
        }

        init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }
    }

    /// What routing made of one group.
    struct Group {
        /// Indices of its Ingresses in the snapshot.
        var positions: [Int]
        /// Its virtual hosts' names: the hosts themselves are kept once, in the totals.
        var hosts: [PorticoRouting.Host]
        var catchAll: CatchAll
        var upstreams: [Upstream]
        /// Each Ingress's diagnostics with its place in `Router`'s order (oldest first).
        var blocks: [(order: RoutingOrder, diagnostics: [Diagnostic])]
        var served: [ObjectReference]
        var otherClasses: [String: Int]
        /// The sum of its virtual hosts' digests.
        var digest: Digest
    }

    /// A pass's result; the table is assembled from its parts only when a config is rendered.
    struct Pass {
        let virtualHosts: [VirtualHost]
        let catchAll: CatchAll
        let upstreams: [Upstream]
        var diagnostics: [Diagnostic]
        let servedIngresses: Set<ObjectReference>
        let otherClasses: [String: Int]
        var digest: Digest
        /// How many groups this pass routed (the others were kept); 1 for a pass that routed whole.
        let routedGroups: Int
        var certificates: [CertificateFile] = []
        var authFiles: [AuthFile] = []
        /// TCP and UDP services: routed whole on every pass (a few ConfigMap entries).
        var streams: [StreamServer] = []
        var global: GlobalConfig?
        /// TLS passthrough hosts (only with HTTPS, so only from a pass routed whole).
        var passthrough: [PassthroughHost] = []
        /// HTTPRoutes: routed whole on every pass, after the Ingresses (which keep their hosts).
        var gatewayHosts: [GatewayHost] = []
        /// With HTTPS (a pass routed whole): `--default-ssl-certificate`'s file and the Gateways' listeners'.
        var defaultCertificate: String?
        var gatewayCertificates: [GatewayCertificate] = []

        var hostCount: Int { virtualHosts.count }

        /// The table `Router` gives for the snapshot.
        func table() -> RoutingTable {
            var table = RoutingTable(
                virtualHosts: virtualHosts, catchAll: catchAll, upstreams: upstreams, diagnostics: diagnostics,
                servedIngresses: servedIngresses, otherClasses: otherClasses, certificates: certificates,
                defaultCertificate: defaultCertificate, authFiles: authFiles)
            table.gatewayCertificates = gatewayCertificates
            table.streams = streams
            table.global = global
            table.passthrough = passthrough
            table.gatewayHosts = gatewayHosts
            return table
        }
    }

    mutating func route(_ state: ClusterState) -> Pass {
        // Groups route HTTP only (`Router.routeHTTP`); streams are routed whole, once per pass.
        let (global, globalDiagnostics) = GlobalConfig.read(state, options: options)
        if global != options.global {
            // The ConfigMap's defaults are every Ingress's: nothing kept is routed as it would be now.
            options.global = global
            primed = false
        }
        var pass = routeIngresses(state)
        pass.global = global
        if let global { pass.digest += Digest(global, salt: Digest.globalSalt) }
        (pass.streams, pass.diagnostics) = Router(options: options).streams(state, adding: pass.diagnostics + globalDiagnostics)
        if !pass.streams.isEmpty { pass.digest += Digest(pass.streams, salt: Digest.streamSalt) }
        let gateway = Router(options: options).gatewayRoutes(
            state, ingressHosts: RoutingTable.ingressHostKeys(pass.virtualHosts, pass.catchAll))
        pass.gatewayHosts = gateway.hosts
        pass.diagnostics += gateway.diagnostics
        if !gateway.hosts.isEmpty { pass.digest += Digest(gateway.hosts, salt: Digest.gatewaySalt) }
        return pass
    }

    /// The options groups are routed with: the ConfigMap is read once per pass by `route(_:)`, whose
    /// `global` every group is routed with.
    private var ingressOptions: RoutingOptions {
        var ingressOnly = options
        ingressOnly.globalConfigMap = nil
        return ingressOnly
    }

    private mutating func routeIngresses(_ state: ClusterState) -> Pass {
        // With HTTPS a host's certificate may come from any Ingress and any Secret: routed whole
        // (groups by host and Secret are for later), with validated certificates kept.
        if options.servesHTTPS { return routeWhole(state) }
        // Services exposed by label claim hosts after every Ingress, by their labels: routed whole too.
        if options.expose != nil { return routeWhole(state) }
        // So is basic authentication, whose Secrets the groups do not follow.
        if state.ingresses.contains(where: Router.readsSecrets) { return routeWhole(state) }
        guard primed, state.ingressClasses == classes else { return regroup(state) }
        guard let changes = Changes(from: (ingresses, services, serviceIndex), to: state) else { return routeWhole(state) }
        if changes.isEmpty {
            ingresses = state.ingresses
            services = state.services
            return pass(routed: 0)
        }

        // Where the kept groups' Ingresses are in the new snapshot.
        var at: [Int]
        if let oldToNew = changes.oldToNew {
            at = [Int](repeating: -1, count: state.ingresses.count)
            for (old, new) in oldToNew.enumerated() where new >= 0 { at[new] = groupAt[old] }
        } else {
            at = groupAt
        }

        var dirty = Set<Int>()
        for old in changes.removed { dirty.insert(groupAt[old]) }
        for (old, _) in changes.modified { dirty.insert(groupAt[old]) }
        if !changes.services.isEmpty {
            // Through the buffer: an element taken out of the array is a copy, retaining its strings.
            state.ingresses.withUnsafeBufferPointer { all in
                for i in all.indices where at[i] >= 0 && !dirty.contains(at[i]) && Self.names(any: changes.services, all[i]) {
                    dirty.insert(at[i])
                }
            }
        }
        // Whoever now shares a host (or the catch-all server) with a changed or new Ingress.
        let fresh = changes.modified.map(\.new) + changes.added
        for p in fresh {
            let keys = GroupingKeys(state.ingresses[p])
            for host in keys.hosts { if let owner = hostOwner[host] { dirty.insert(owner) } }
            if keys.catchAll, let owner = catchAllGroup { dirty.insert(owner) }
        }

        var affected = changes.added
        for id in dirty {
            guard let group = groups.removeValue(forKey: id) else { continue }
            totals.remove(group)
            for p in group.positions {
                let keys = GroupingKeys(ingresses[p])
                for host in keys.hosts where hostOwner[host] == id { hostOwner[host] = nil }
                let new = changes.oldToNew.map { $0[p] } ?? p
                if new >= 0 { affected.append(new) }
            }
            if catchAllGroup == id { catchAllGroup = nil }
        }
        totals.removeBlocks(ofGroups: dirty)

        if let oldToNew = changes.oldToNew {
            groups = groups.mapValues { group in
                var moved = group
                moved.positions = group.positions.map { oldToNew[$0] }
                return moved
            }
            serviceIndex = changes.serviceIndex ?? serviceIndex
        } else if let index = changes.serviceIndex {
            serviceIndex = index
        }
        ingresses = state.ingresses
        services = state.services
        groupAt = at
        let components = Self.components(of: affected.sorted(), in: ingresses)
        for members in components { add(route(members), incrementally: true) }
        return pass(routed: components.count)
    }

    /// Groups and routes the snapshot from scratch.
    private mutating func regroup(_ state: ClusterState) -> Pass {
        guard let index = Self.uniqueServices(state.services), Self.uniqueIngresses(state.ingresses) else {
            return routeWhole(state)
        }
        (ingresses, services, classes, serviceIndex) = (state.ingresses, state.services, state.ingressClasses, index)
        groups = [:]
        hostOwner = [:]
        catchAllGroup = nil
        totals = Totals()
        groupAt = [Int](repeating: -1, count: ingresses.count)
        let components = Self.components(of: Array(ingresses.indices), in: ingresses)
        for members in components { add(route(members), incrementally: false) }
        totals.sort()
        primed = true
        return pass(routed: components.count)
    }

    private mutating func routeWhole(_ state: ClusterState) -> Pass {
        (ingresses, services, classes, serviceIndex) = ([], [], [], [:])
        (groups, groupAt, hostOwner, catchAllGroup, totals) = ([:], [], [:], nil, Totals())
        primed = false
        let table = Router(options: ingressOptions, certificates: certificates, now: Date()).routeHTTP(state)
        certificates.forgetUnused()
        var pass = Pass(
            virtualHosts: table.virtualHosts, catchAll: table.catchAll, upstreams: table.upstreams,
            diagnostics: table.diagnostics, servedIngresses: table.servedIngresses, otherClasses: table.otherClasses,
            digest: .ofRoutes(table), routedGroups: 1, certificates: table.certificates, authFiles: table.authFiles)
        pass.passthrough = table.passthrough
        pass.defaultCertificate = table.defaultCertificate
        pass.gatewayCertificates = table.gatewayCertificates
        if let tls = Digest.certificates(table) { pass.digest += tls }
        if !table.passthrough.isEmpty { pass.digest += Digest(table.passthrough, salt: Digest.passthroughSalt) }
        return pass
    }

    private mutating func add(_ routed: (group: Group, virtualHosts: [VirtualHost]), incrementally: Bool) {
        let group = routed.group
        let id = nextGroupID
        nextGroupID += 1
        for p in group.positions {
            groupAt[p] = id
            let keys = GroupingKeys(ingresses[p])
            for host in keys.hosts { hostOwner[host] = id }
            if keys.catchAll { catchAllGroup = id }
        }
        groups[id] = group
        totals.add(group, virtualHosts: routed.virtualHosts, id: id, incrementally: incrementally)
    }

    private mutating func pass(routed: Int) -> Pass {
        Pass(
            virtualHosts: totals.virtualHosts, catchAll: totals.catchAll, upstreams: totals.upstreams,
            diagnostics: totals.diagnostics(), servedIngresses: totals.served, otherClasses: totals.otherClasses,
            digest: totals.digest, routedGroups: routed)
    }

    /// Routes the Ingresses at `positions` with the Services they name and every IngressClass.
    private mutating func route(_ positions: [Int]) -> (group: Group, virtualHosts: [VirtualHost]) {
        let members = positions.map { ingresses[$0] }
        var table = Router(options: ingressOptions).routeHTTP(
            ClusterState(ingresses: members, services: servicesNamed(by: members), ingressClasses: classes))
        var orders: [ObjectReference: RoutingOrder] = [:]
        for ingress in members { orders[ObjectReference(ingress)] = RoutingOrder(ingress) }
        // Router says each Ingress's diagnostics together, in its order.
        var blocks: [(order: RoutingOrder, diagnostics: [Diagnostic])] = []
        for d in table.diagnostics {
            if let last = blocks.last, last.diagnostics.last?.object == d.object {
                blocks[blocks.count - 1].diagnostics.append(d)
            } else {
                let order = orders[d.object] ?? RoutingOrder(time: nil, namespace: d.object.namespace, name: d.object.name)
                blocks.append((order, [d]))
            }
        }
        var virtualHosts = table.virtualHosts
        table.virtualHosts = []
        for i in virtualHosts.indices { share(&virtualHosts[i].locations) }
        var catchAll = table.catchAll
        share(&catchAll.locations)
        let group = Group(
            positions: positions, hosts: virtualHosts.map(\.host), catchAll: catchAll, upstreams: table.upstreams,
            blocks: blocks, served: Array(table.servedIngresses), otherClasses: table.otherClasses,
            digest: .of(virtualHosts: virtualHosts))
        return (group, virtualHosts)
    }

    /// Kept until the group changes: in storage of their own size (`Router` appends them), with
    /// one string per field path.
    private mutating func share(_ locations: inout [Location]) {
        locations = locations.compacted()
        for j in locations.indices {
            let field = locations[j].field
            if let shared = fieldNames[field] { locations[j].field = shared } else { fieldNames[field] = field }
        }
    }

    /// The Services the Ingresses name, in the order they first name them.
    private func servicesNamed(by members: [Ingress]) -> [Service] {
        var found: [Int] = []
        var seen = Set<Int>()
        func add(_ backend: IngressBackend?, namespace: String) {
            guard let name = backend?.service?.name, let i = serviceIndex[ServiceKey(namespace: namespace, name: name)]
            else { return }
            // Most groups name one Service or a few; the catch-all group may name thousands.
            let known = found.count < 16 ? found.contains(i) : !seen.insert(i).inserted
            guard !known else { return }
            if found.count == 15 { seen = Set(found + [i]) }
            found.append(i)
        }
        for ingress in members {
            let namespace = ingress.metadata.effectiveNamespace
            add(ingress.spec.defaultBackend, namespace: namespace)
            for rule in ingress.spec.rules {
                for path in rule.http?.paths ?? [] { add(path.backend, namespace: namespace) }
            }
        }
        return found.map { services[$0] }
    }

    /// Whether the Ingress names one of the Services.
    static func names(any keys: [ServiceKey], _ ingress: Ingress) -> Bool {
        let namespace = ingress.metadata.effectiveNamespace
        func named(_ backend: IngressBackend?) -> Bool {
            guard let name = backend?.service?.name else { return false }
            return keys.contains { $0.name == name && $0.namespace == namespace }
        }
        if named(ingress.spec.defaultBackend) { return true }
        return ingress.spec.rules.contains { rule in (rule.http?.paths ?? []).contains { named($0.backend) } }
    }

    /// Each Service's index, or nil when one is given twice.
    static func uniqueServices(_ services: [Service]) -> [ServiceKey: Int]? {
        var index: [ServiceKey: Int] = [:]
        index.reserveCapacity(services.count)
        for (i, service) in services.enumerated() {
            guard index.updateValue(i, forKey: ServiceKey(service)) == nil else { return nil }
        }
        return index
    }

    static func uniqueIngresses(_ ingresses: [Ingress]) -> Bool {
        var seen = Set<ObjectReference>()
        seen.reserveCapacity(ingresses.count)
        return ingresses.allSatisfy { seen.insert(ObjectReference($0)).inserted }
    }
}

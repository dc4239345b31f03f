import PorticoModel

/// Which Gateway API objects are this Portico's, and where each HTTPRoute attaches: the
/// GatewayClasses whose `controllerName` is ours, the Gateways of those classes, and for each
/// route's `parentRefs[]` to one of those Gateways the listeners that take it (by `sectionName`
/// and `port`, by `allowedRoutes` namespaces and kinds, by hostname), with the `Accepted` and
/// `ResolvedRefs` conditions the specification defines, and each listener's `attachedRoutes`.
/// Parents that are not ours (another controller's Gateway, one that does not exist, another
/// kind) get nothing: their status is not Portico's to write.
public struct GatewayAttachment: Sendable, Equatable {
    /// One listener of one of Portico's Gateways.
    public struct ListenerKey: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var gateway: ObjectReference
        public var listener: String

        public init(gateway: ObjectReference, listener: String) {
            self.gateway = gateway
            self.listener = listener
        }

        public var description: String { "\(gateway) listener \(MessageText.quoted(listener))" }

        public static func < (a: ListenerKey, b: ListenerKey) -> Bool {
            (a.gateway, a.listener) < (b.gateway, b.listener)
        }
    }

    /// A listener a route attached to, and the hostnames it serves the route for: the route's
    /// narrowed to the listener's; nil when neither names any (every hostname).
    public struct Attached: Sendable, Equatable {
        public var listener: ListenerKey
        public var hostnames: [GatewayHostname]?
        /// The listener's, for what routing derives from it (a redirect's default port).
        public var port: Int
        public var `protocol`: String
    }

    /// One `status.parents[]` entry of a route: its parentRef (defaults applied), the Gateway it
    /// names, both conditions, and the listeners it attached to (none unless accepted).
    public struct Parent: Sendable, Equatable {
        public var parentRef: ParentReference
        public var gateway: ObjectReference
        public var accepted: GatewayCondition
        public var resolvedRefs: GatewayCondition
        public var listeners: [Attached]
    }

    /// A backendRef that cannot be served: its rule answers 500 for the requests it would take.
    public struct BackendProblem: Sendable, Equatable {
        public var rule: Int
        public var backend: Int
        /// `InvalidKind`, `RefNotPermitted` or `BackendNotFound`.
        public var reason: String
        public var message: String
    }

    /// An HTTPRoute with at least one parent of Portico's.
    public struct Route: Sendable, Equatable {
        public var route: ObjectReference
        public var parents: [Parent]
        public var backendProblems: [BackendProblem]
    }

    /// Names of the GatewayClasses whose controller is Portico's, sorted.
    public var classes: [String]
    /// The Gateways of those classes, sorted.
    public var gateways: [ObjectReference]
    /// Sorted by route.
    public var routes: [Route]
    /// For every listener of Portico's Gateways, 0 included: how many routes attached to it.
    public var attachedRoutes: [ListenerKey: Int]

    public init(_ state: ClusterState, controllerName: String) {
        let classes = Set(state.gatewayClasses.filter { $0.spec.controllerName == controllerName }.map(\.metadata.name))
        let gateways = Self.ownGateways(state, controllerName: controllerName)
        self.classes = classes.sorted()
        self.gateways = gateways.keys.sorted()

        var attached: [ListenerKey: Set<ObjectReference>] = [:]
        for (ref, gateway) in gateways {
            for listener in gateway.spec.listeners { attached[ListenerKey(gateway: ref, listener: listener.name)] = [] }
        }
        let context = Context(state)
        var routes: [Route] = []
        for route in state.httpRoutes.sorted(by: { ObjectReference($0) < ObjectReference($1) }) {
            let ref = ObjectReference(route)
            var parents: [Parent] = []
            lazy var refs = context.resolve(route)
            for parentRef in route.spec.parentRefs where parentRef.group == GatewayAPI.group && parentRef.kind == "Gateway" {
                let gatewayRef = ObjectReference(kind: "Gateway", namespace: parentRef.namespace ?? ref.namespace, name: parentRef.name)
                guard let gateway = gateways[gatewayRef] else { continue }
                let parent = context.attach(route, to: gateway, as: gatewayRef, parentRef: parentRef, resolvedRefs: refs.condition)
                for listener in parent.listeners { attached[listener.listener, default: []].insert(ref) }
                parents.append(parent)
            }
            guard !parents.isEmpty else { continue }
            routes.append(Route(route: ref, parents: parents, backendProblems: refs.problems))
        }
        self.routes = routes
        attachedRoutes = attached.mapValues(\.count)
    }
}

extension ObjectReference {
    /// An HTTPRoute as status, diagnostics and Events name it.
    public init(_ route: HTTPRoute) {
        self.init(kind: "HTTPRoute", namespace: route.metadata.effectiveNamespace, name: route.metadata.name)
    }
}

/// What attaching reads of the cluster, indexed once.
private struct Context {
    var namespaceLabels: [String: [String: String]] = [:]
    var services: Set<ObjectReference> = []
    /// By the namespace they are in: the only one they grant access to.
    var grants: [String: [ReferenceGrant]] = [:]

    init(_ state: ClusterState) {
        for namespace in state.namespaces where namespaceLabels[namespace.metadata.name] == nil {
            namespaceLabels[namespace.metadata.name] = namespace.metadata.labels ?? [:]
        }
        for service in state.services {
            services.insert(ObjectReference(kind: "Service", namespace: service.metadata.effectiveNamespace, name: service.metadata.name))
        }
        for grant in state.referenceGrants { grants[grant.metadata.effectiveNamespace, default: []].append(grant) }
    }

    // MARK: Accepted

    func attach(
        _ route: HTTPRoute, to gateway: Gateway, as gatewayRef: ObjectReference, parentRef: ParentReference,
        resolvedRefs: GatewayCondition
    ) -> GatewayAttachment.Parent {
        let generation = route.metadata.generation
        func parent(_ status: Bool, _ reason: String, _ message: String, _ listeners: [GatewayAttachment.Attached] = [])
            -> GatewayAttachment.Parent
        {
            let accepted = GatewayCondition(
                type: RouteConditionType.accepted, status: status, reason: reason, message: message, observedGeneration: generation)
            return GatewayAttachment.Parent(
                parentRef: parentRef, gateway: gatewayRef, accepted: accepted, resolvedRefs: resolvedRefs, listeners: listeners)
        }

        let candidates = gateway.spec.listeners.filter { listener in
            parentRef.sectionName.map { $0 == listener.name } ?? true && parentRef.port.map { $0 == listener.port } ?? true
        }
        guard !candidates.isEmpty else {
            var wanted: [String] = []
            if let name = parentRef.sectionName { wanted.append("named \(MessageText.quoted(name))") }
            if let port = parentRef.port { wanted.append("on port \(port)") }
            return parent(false, RouteConditionReason.noMatchingParent, "\(gatewayRef) has no listener \(wanted.joined(separator: " "))")
        }

        let routeNamespace = route.metadata.effectiveNamespace
        let allowed = candidates.filter { allows($0, routeNamespace: routeNamespace, gatewayNamespace: gatewayRef.namespace) }
        guard !allowed.isEmpty else {
            return parent(
                false, RouteConditionReason.notAllowedByListeners,
                "no listener of \(gatewayRef) (\(names(candidates))) allows HTTPRoutes from namespace \(MessageText.quoted(routeNamespace))")
        }

        let valid = route.spec.hostnames.compactMap { try? GatewayHostname(validating: $0) }
        // Hostnames all invalid are not "no hostnames": that would widen the route to every host.
        let onlyInvalid = !route.spec.hostnames.isEmpty && valid.isEmpty
        var listeners: [GatewayAttachment.Attached] = []
        for listener in allowed {
            var listenerHostname: GatewayHostname?
            if let text = listener.hostname {
                // An invalid listener hostname is the Gateway's problem, reported there; nothing attaches.
                guard let hostname = try? GatewayHostname(validating: text) else { continue }
                listenerHostname = hostname
            }
            let hostnames = onlyInvalid ? [] : GatewayHostname.effective(listener: listenerHostname, route: valid)
            if let hostnames, hostnames.isEmpty { continue }
            listeners.append(
                .init(
                    listener: .init(gateway: gatewayRef, listener: listener.name), hostnames: hostnames, port: listener.port,
                    protocol: listener.protocol))
        }
        guard !listeners.isEmpty else {
            let wanted = route.spec.hostnames.map { MessageText.quoted($0) }.joined(separator: ", ")
            let offered = allowed.map { "\(MessageText.quoted($0.name)): \(MessageText.quoted($0.hostname ?? "*"))" }.joined(separator: ", ")
            return parent(
                false, RouteConditionReason.noMatchingListenerHostname,
                "none of the route's hostnames (\(wanted)) is served by a listener of \(gatewayRef) that allows it (\(offered))")
        }
        if let unsupported = Self.unsupportedValue(route) {
            return parent(false, RouteConditionReason.unsupportedValue, unsupported)
        }
        return parent(true, RouteConditionReason.accepted, "accepted by \(names(listeners.map(\.listener.listener)))", listeners)
    }

    private func names(_ listeners: [GatewayListener]) -> String { names(listeners.map(\.name)) }

    /// `listeners "http", "https"`.
    private func names(_ listeners: [String]) -> String {
        "listener" + (listeners.count == 1 ? " " : "s ") + listeners.map { MessageText.quoted($0) }.joined(separator: ", ")
    }

    /// Whether the listener takes HTTPRoutes from the route's namespace.
    func allows(_ listener: GatewayListener, routeNamespace: String, gatewayNamespace: String) -> Bool {
        guard listener.routeKinds.contains(RouteGroupKind(group: GatewayAPI.group, kind: "HTTPRoute")) else { return false }
        switch listener.allowedRoutes.namespaces.from {
        case "Same": return routeNamespace == gatewayNamespace
        case "All": return true
        case "Selector":
            // A selector with an operator the API server would have refused selects nothing.
            return listener.allowedRoutes.namespaces.selector?.matches(namespaceLabels[routeNamespace]) ?? false
        default: return false
        }
    }

    /// The first value the route uses that Portico does not serve: a filter of another type, or
    /// a match type outside the specification's.
    static func unsupportedValue(_ route: HTTPRoute) -> String? {
        for (r, rule) in route.spec.rules.enumerated() {
            let at = "spec.rules[\(r)]"
            for (m, match) in rule.matches.enumerated() {
                if !["Exact", "PathPrefix", "RegularExpression"].contains(match.path.type) {
                    return "\(at).matches[\(m)].path.type: unsupported path match type \(MessageText.quoted(match.path.type))"
                }
                for (field, values) in [("headers", match.headers), ("queryParams", match.queryParams)] {
                    for (i, value) in values.enumerated() where !["Exact", "RegularExpression"].contains(value.type) {
                        return "\(at).matches[\(m)].\(field)[\(i)].type: unsupported match type \(MessageText.quoted(value.type))"
                    }
                }
            }
            for (f, filter) in rule.filters.enumerated() {
                if case .unsupported(let u) = filter { return "\(at).filters[\(f)]: \(u)" }
            }
            for (b, backend) in rule.backendRefs.enumerated() {
                for (f, filter) in backend.filters.enumerated() {
                    if case .unsupported(let u) = filter { return "\(at).backendRefs[\(b)].filters[\(f)]: \(u)" }
                }
            }
        }
        // Values that could not be written into nginx.conf safely: the route serves nothing.
        return GatewayValues.problem(route)
    }

    // MARK: ResolvedRefs

    /// Every backendRef checked: a Service (`InvalidKind` otherwise), in the route's namespace or
    /// one whose ReferenceGrant lets it in (`RefNotPermitted`), that exists (`BackendNotFound`).
    /// The condition reports the first problem and how many there are.
    func resolve(_ route: HTTPRoute) -> (condition: GatewayCondition, problems: [GatewayAttachment.BackendProblem]) {
        let routeNamespace = route.metadata.effectiveNamespace
        var problems: [GatewayAttachment.BackendProblem] = []
        for (r, rule) in route.spec.rules.enumerated() {
            for (b, backend) in rule.backendRefs.enumerated() {
                let at = "spec.rules[\(r)].backendRefs[\(b)]"
                let target = ObjectReference(kind: "Service", namespace: backend.namespace ?? routeNamespace, name: backend.name)
                let problem: (String, String)?
                if backend.group != "" || backend.kind != "Service" {
                    let kind = backend.group.isEmpty ? backend.kind : "\(backend.kind).\(backend.group)"
                    problem = (RouteConditionReason.invalidKind, "\(at): kind \(MessageText.quoted(kind)) is not supported; only a Service is")
                } else if target.namespace != routeNamespace && !granted(service: target, toRoutesIn: routeNamespace) {
                    problem = (
                        RouteConditionReason.refNotPermitted,
                        "\(at): \(target) is in another namespace, and no ReferenceGrant in \(MessageText.quoted(target.namespace)) "
                            + "lets HTTPRoutes from \(MessageText.quoted(routeNamespace)) refer to it"
                    )
                } else if !services.contains(target) {
                    problem = (RouteConditionReason.backendNotFound, "\(at): \(target) not found")
                } else {
                    problem = nil
                }
                if let (reason, message) = problem {
                    problems.append(.init(rule: r, backend: b, reason: reason, message: message))
                }
            }
        }
        let generation = route.metadata.generation
        guard let first = problems.first else {
            return (
                GatewayCondition(
                    type: RouteConditionType.resolvedRefs, status: true, reason: RouteConditionReason.resolvedRefs,
                    message: "all references resolved", observedGeneration: generation),
                []
            )
        }
        let more = problems.count == 1 ? "" : " (and \(problems.count - 1) more)"
        return (
            GatewayCondition(
                type: RouteConditionType.resolvedRefs, status: false, reason: first.reason, message: first.message + more,
                observedGeneration: generation),
            problems
        )
    }

    /// A ReferenceGrant in the Service's namespace from HTTPRoutes in `routeNamespace` to
    /// Services (all, or this one by name).
    func granted(service: ObjectReference, toRoutesIn routeNamespace: String) -> Bool {
        (grants[service.namespace] ?? []).contains { $0.permits(GatewayAPI.group, "HTTPRoute", from: routeNamespace, to: service) }
    }
}

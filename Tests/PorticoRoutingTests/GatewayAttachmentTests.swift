import PorticoModel
import Testing

@testable import PorticoRouting

/// Which Gateway API objects are Portico's and where HTTPRoutes attach, with the `Accepted` and
/// `ResolvedRefs` reasons of `apis/v1/shared_types.go`. The cases follow the conformance suite's
/// `HTTPRouteInvalidParentRefNotMatchingSectionName`, `HTTPRouteInvalidCrossNamespaceParentRef`,
/// `HTTPRouteInvalidNonExistentBackendRef`, `HTTPRouteInvalidBackendRefUnknownKind`,
/// `HTTPRouteInvalidCrossNamespaceBackendRef`, `HTTPRouteReferenceGrant`,
/// `HTTPRoutePartiallyInvalidViaInvalidReferenceGrant` and `GatewayWithAttachedRoutes`.
@Suite struct GatewayAttachmentTests {
    static let controller = "portico.io/gateway-controller"

    static let classes = [
        GatewayClass(metadata: ObjectMeta(name: "portico"), spec: GatewayClassSpec(controllerName: controller)),
        GatewayClass(metadata: ObjectMeta(name: "other"), spec: GatewayClassSpec(controllerName: "example.com/other")),
    ]

    /// infra/edge: `http` (80, any hostname, Same), `https` (443, `*.example.com`, All), `team`
    /// (8080, namespaces labelled team=web), `tcp` (9000, TCP).
    static let edge = Gateway(
        metadata: ObjectMeta(name: "edge", namespace: "infra"),
        spec: GatewaySpec(
            gatewayClassName: "portico",
            listeners: [
                GatewayListener(name: "http", port: 80, protocol: "HTTP"),
                GatewayListener(
                    name: "https", hostname: "*.example.com", port: 443, protocol: "HTTPS",
                    tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: "wildcard")]),
                    allowedRoutes: AllowedRoutes(namespaces: RouteNamespaces(from: "All"))),
                GatewayListener(
                    name: "team", port: 8080, protocol: "HTTP",
                    allowedRoutes: AllowedRoutes(
                        namespaces: RouteNamespaces(from: "Selector", selector: ObjectLabelSelector(matchLabels: ["team": "web"])))),
                GatewayListener(name: "tcp", port: 9000, protocol: "TCP", allowedRoutes: AllowedRoutes(namespaces: RouteNamespaces(from: "All"))),
            ]))

    static let foreign = Gateway(
        metadata: ObjectMeta(name: "foreign", namespace: "infra"),
        spec: GatewaySpec(gatewayClassName: "other", listeners: [GatewayListener(name: "http", port: 80, protocol: "HTTP")]))

    static let namespaces = [
        Namespace(metadata: ObjectMeta(name: "infra")),
        Namespace(metadata: ObjectMeta(name: "shop", labels: ["team": "web"])),
        Namespace(metadata: ObjectMeta(name: "blog")),
    ]

    static func route(
        _ name: String = "web", ns: String = "infra", parents: [ParentReference] = [ParentReference(namespace: "infra", name: "edge")],
        hostnames: [String] = [], rules: [HTTPRouteRule] = [HTTPRouteRule(backendRefs: [HTTPBackendRef(name: "web", port: 80)])]
    ) -> HTTPRoute {
        HTTPRoute(
            metadata: ObjectMeta(name: name, namespace: ns, generation: 3),
            spec: HTTPRouteSpec(parentRefs: parents, hostnames: hostnames, rules: rules))
    }

    static func state(_ routes: [HTTPRoute], grants: [ReferenceGrant] = [], services: [String] = ["infra/web", "shop/web", "blog/web"])
        -> ClusterState
    {
        var state = ClusterState(
            services: services.map { s in
                let parts = s.split(separator: "/").map(String.init)
                return Service(metadata: ObjectMeta(name: parts[1], namespace: parts[0]), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
            })
        state.gatewayClasses = classes
        state.gateways = [edge, foreign]
        state.namespaces = namespaces
        state.httpRoutes = routes
        state.referenceGrants = grants
        return state
    }

    static func attach(_ routes: [HTTPRoute], grants: [ReferenceGrant] = []) -> GatewayAttachment {
        GatewayAttachment(state(routes, grants: grants), controllerName: controller)
    }

    static let edgeRef = ObjectReference(kind: "Gateway", namespace: "infra", name: "edge")

    @Test func onlyOurClassesAndTheirGatewaysAreOurs() {
        let attachment = Self.attach([])
        #expect(attachment.classes == ["portico"])
        #expect(attachment.gateways == [Self.edgeRef])
        #expect(attachment.routes.isEmpty)
        #expect(
            attachment.attachedRoutes == [
                .init(gateway: Self.edgeRef, listener: "http"): 0, .init(gateway: Self.edgeRef, listener: "https"): 0,
                .init(gateway: Self.edgeRef, listener: "team"): 0, .init(gateway: Self.edgeRef, listener: "tcp"): 0,
            ])
    }

    /// A route's outcome on edge: the Accepted reason and, per attached listener, its hostnames
    /// ("*" for any).
    @Test(arguments: [
        // Same namespace as the Gateway: http (Same) and https (All); not team (infra lacks the label).
        ("infra", nil, nil, [], "Accepted", ["http: *", "https: *.example.com"]),
        // From shop (team=web): https (All) and team (Selector), not http (Same).
        ("shop", nil, nil, [], "Accepted", ["https: *.example.com", "team: *"]),
        ("blog", nil, nil, [], "Accepted", ["https: *.example.com"]),
        ("blog", "http", nil, [], "NotAllowedByListeners", []),
        ("blog", "team", nil, [], "NotAllowedByListeners", []),
        // A TCP listener takes no HTTPRoutes, whatever its namespaces.
        ("infra", "tcp", nil, [], "NotAllowedByListeners", []),
        ("infra", nil, 9000, [], "NotAllowedByListeners", []),
        ("infra", "nope", nil, [], "NoMatchingParent", []),
        ("infra", nil, 81, [], "NoMatchingParent", []),
        ("infra", "https", 80, [], "NoMatchingParent", []),
        ("infra", "https", 443, ["a.example.com", "a.example.net"], "Accepted", ["https: a.example.com"]),
        ("infra", "https", nil, ["example.com", "a.example.net"], "NoMatchingListenerHostname", []),
        // The http listener takes any hostname: only https narrows.
        ("infra", nil, nil, ["example.com", "*.example.com"], "Accepted", ["http: example.com, *.example.com", "https: *.example.com"]),
        // Invalid hostnames never widen a route to every host.
        ("infra", "http", nil, ["UPPER.example.com"], "NoMatchingListenerHostname", []),
        ("infra", "http", nil, ["UPPER.example.com", "a.example.com"], "Accepted", ["http: a.example.com"]),
    ] as [(String, String?, Int?, [String], String, [String])])
    func routesAttachToTheListenersThatTakeThem(
        namespace: String, sectionName: String?, port: Int?, hostnames: [String], reason: String, listeners: [String]
    ) throws {
        let parent = ParentReference(namespace: "infra", name: "edge", sectionName: sectionName, port: port)
        let attachment = Self.attach([Self.route(ns: namespace, parents: [parent], hostnames: hostnames)])
        let route = try #require(attachment.routes.first)
        try #require(route.parents.count == 1)
        let status = route.parents[0]
        #expect(status.parentRef == parent)
        #expect(status.gateway == Self.edgeRef)
        #expect(status.accepted.type == "Accepted")
        #expect(status.accepted.reason == reason, "\(status.accepted)")
        #expect(status.accepted.status == (reason == "Accepted"))
        #expect(status.accepted.observedGeneration == 3)
        let served = status.listeners.map { a in
            "\(a.listener.listener): " + (a.hostnames.map { $0.map(\.text).joined(separator: ", ") } ?? "*")
        }
        #expect(served == listeners)
    }

    @Test func messagesNameWhatIsMissing() throws {
        let routes = [
            Self.route("a", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "nope", port: 81)]),
            Self.route("b", ns: "blog", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "http")]),
            Self.route("c", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "https")], hostnames: ["a.example.net"]),
        ]
        // In route order: blog/b first.
        let messages = Self.attach(routes).routes.sorted { $0.route.name < $1.route.name }.map { $0.parents.first?.accepted.message ?? "" }
        #expect(
            messages == [
                #"gateway infra/edge has no listener named "nope" on port 81"#,
                #"no listener of gateway infra/edge (listener "http") allows HTTPRoutes from namespace "blog""#,
                #"none of the route's hostnames ("a.example.net") is served by a listener of gateway infra/edge that allows it ("https": "*.example.com")"#,
            ])
    }

    @Test func parentsThatAreNotOursGetNoStatus() {
        let routes = [
            Self.route("foreign", parents: [ParentReference(namespace: "infra", name: "foreign")]),
            Self.route("missing", parents: [ParentReference(namespace: "infra", name: "nowhere")]),
            // parentRefs default to the route's namespace: there is no edge in shop.
            Self.route("elsewhere", ns: "shop", parents: [ParentReference(name: "edge")]),
            Self.route("service", parents: [ParentReference(group: "", kind: "Service", namespace: "infra", name: "edge")]),
            Self.route(
                "mixed",
                parents: [ParentReference(namespace: "infra", name: "foreign"), ParentReference(name: "edge", sectionName: "http")]),
        ]
        let attachment = Self.attach(routes)
        #expect(attachment.routes.map(\.route.name) == ["mixed"])
        #expect(attachment.routes.first?.parents.map(\.parentRef) == [ParentReference(name: "edge", sectionName: "http")])
    }

    @Test func attachedRoutesCountEachRouteOncePerListener() {
        let routes = [
            Self.route("a"),
            // Two parentRefs to the same listener: one route attached.
            Self.route("b", parents: [ParentReference(name: "edge", sectionName: "http"), ParentReference(name: "edge", port: 80)]),
            Self.route("c", ns: "shop"),
            Self.route("d", ns: "blog", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "http")]),
        ]
        let counts = Self.attach(routes).attachedRoutes
        #expect(counts[.init(gateway: Self.edgeRef, listener: "http")] == 2)
        #expect(counts[.init(gateway: Self.edgeRef, listener: "https")] == 2)
        #expect(counts[.init(gateway: Self.edgeRef, listener: "team")] == 1)
        #expect(counts[.init(gateway: Self.edgeRef, listener: "tcp")] == 0)
    }

    static func grant(
        in namespace: String = "shop", fromGroup: String = GatewayAPI.group, fromKind: String = "HTTPRoute", fromNamespace: String = "infra",
        toGroup: String = "", toKind: String = "Service", toName: String? = nil
    ) -> ReferenceGrant {
        ReferenceGrant(
            metadata: ObjectMeta(name: "g", namespace: namespace),
            spec: ReferenceGrantSpec(
                from: [ReferenceGrantFrom(group: fromGroup, kind: fromKind, namespace: fromNamespace)],
                to: [ReferenceGrantTo(group: toGroup, kind: toKind, name: toName)]))
    }

    @Test(arguments: [
        (HTTPBackendRef(name: "web", port: 80), [], "ResolvedRefs"),
        (HTTPBackendRef(name: "gone", port: 80), [], "BackendNotFound"),
        (HTTPBackendRef(group: "storage.example.com", kind: "Bucket", name: "web"), [], "InvalidKind"),
        (HTTPBackendRef(group: "core", kind: "Service", name: "web", port: 80), [], "InvalidKind"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant()], "ResolvedRefs"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(toName: "web")], "ResolvedRefs"),
        (HTTPBackendRef(name: "gone", namespace: "shop", port: 80), [grant()], "BackendNotFound"),
        // A grant counts only in the target's namespace, and must match from and to exactly.
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(in: "infra")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(toName: "other")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(fromKind: "Gateway")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(fromGroup: "")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(fromNamespace: "blog")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(toKind: "Secret")], "RefNotPermitted"),
        (HTTPBackendRef(name: "web", namespace: "shop", port: 80), [grant(toGroup: GatewayAPI.group)], "RefNotPermitted"),
    ] as [(HTTPBackendRef, [ReferenceGrant], String)])
    func backendReferencesResolve(backend: HTTPBackendRef, grants: [ReferenceGrant], reason: String) throws {
        let route = Self.route(rules: [HTTPRouteRule(backendRefs: [backend])])
        let attached = try #require(Self.attach([route], grants: grants).routes.first)
        let parent = try #require(attached.parents.first)
        #expect(parent.resolvedRefs.type == "ResolvedRefs")
        #expect(parent.resolvedRefs.reason == reason, "\(parent.resolvedRefs)")
        #expect(parent.resolvedRefs.status == (reason == "ResolvedRefs"))
        #expect(parent.resolvedRefs.observedGeneration == 3)
        // A backend that cannot be resolved does not stop the route attaching: its rule answers 500.
        #expect(parent.accepted.reason == "Accepted")
        #expect(attached.backendProblems.map(\.reason) == (reason == "ResolvedRefs" ? [] : [reason]))
    }

    @Test func everyBrokenBackendIsListedAndTheFirstReported() throws {
        let route = Self.route(rules: [
            HTTPRouteRule(backendRefs: [HTTPBackendRef(name: "web", port: 80), HTTPBackendRef(name: "gone", port: 80)]),
            HTTPRouteRule(backendRefs: [HTTPBackendRef(name: "web", namespace: "blog", port: 80)]),
        ])
        let attached = try #require(Self.attach([route]).routes.first)
        #expect(
            attached.backendProblems == [
                .init(rule: 0, backend: 1, reason: "BackendNotFound", message: "spec.rules[0].backendRefs[1]: service infra/gone not found"),
                .init(
                    rule: 1, backend: 0, reason: "RefNotPermitted",
                    message: #"spec.rules[1].backendRefs[0]: service blog/web is in another namespace, and no ReferenceGrant in "blog" lets HTTPRoutes from "infra" refer to it"#
                ),
            ])
        #expect(attached.parents.first?.resolvedRefs.message == "spec.rules[0].backendRefs[1]: service infra/gone not found (and 1 more)")
    }

    @Test(arguments: [
        (HTTPRouteRule(filters: [.unsupported(UnsupportedHTTPRouteFilter(type: "RequestMirror"))]),
         #"spec.rules[0].filters[0]: unsupported filter of type "RequestMirror""#),
        (HTTPRouteRule(backendRefs: [HTTPBackendRef(name: "web", port: 80, filters: [.unsupported(UnsupportedHTTPRouteFilter(type: "CORS"))])]),
         #"spec.rules[0].backendRefs[0].filters[0]: unsupported filter of type "CORS""#),
        (HTTPRouteRule(matches: [HTTPRouteMatch(), HTTPRouteMatch(path: HTTPPathMatch(type: "Glob", value: "/*"))]),
         #"spec.rules[0].matches[1].path.type: unsupported path match type "Glob""#),
        (HTTPRouteRule(matches: [HTTPRouteMatch(queryParams: [HTTPQueryParamMatch(type: "Prefix", name: "a", value: "b")])]),
         #"spec.rules[0].matches[0].queryParams[0].type: unsupported match type "Prefix""#),
    ])
    func unsupportedValuesAreNotAccepted(rule: HTTPRouteRule, message: String) throws {
        let attachment = Self.attach([Self.route(parents: [ParentReference(name: "edge", sectionName: "http")], rules: [rule])])
        let parent = try #require(attachment.routes.first?.parents.first)
        #expect(parent.accepted == GatewayCondition(type: "Accepted", status: false, reason: "UnsupportedValue", message: message, observedGeneration: 3))
        #expect(parent.listeners.isEmpty)
        #expect(attachment.attachedRoutes[.init(gateway: Self.edgeRef, listener: "http")] == 0)
    }

    @Test func aSelectorWithAnUnknownOperatorSelectsNothing() throws {
        var state = Self.state([Self.route(ns: "shop", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "team")])])
        state.gateways[0].spec.listeners[2].allowedRoutes.namespaces.selector = ObjectLabelSelector(
            matchExpressions: [LabelSelectorRequirement(key: "team", operator: "Like", values: ["web"])])
        let parent = try #require(GatewayAttachment(state, controllerName: Self.controller).routes.first?.parents.first)
        #expect(parent.accepted.reason == "NotAllowedByListeners")
        // The same selector with a known operator selects shop.
        state.gateways[0].spec.listeners[2].allowedRoutes.namespaces.selector = ObjectLabelSelector(
            matchExpressions: [LabelSelectorRequirement(key: "team", operator: "In", values: ["web"])])
        #expect(GatewayAttachment(state, controllerName: Self.controller).routes.first?.parents.first?.accepted.reason == "Accepted")
    }
}

import Foundation
import PorticoModel
import PorticoRouting
import PorticoTLS
import Testing

@testable import PorticoController

/// Gateway API status as the specification writes it, planned from a snapshot: which objects get
/// what, that an equal status is not planned again, that transition times move only with a
/// condition's status, and that other controllers' route parents stay as they are.
@Suite struct GatewayStatusPlannerTests {
    static let controller = "portico.io/gateway-controller"
    static let certificate = try! SelfSignedCertificate.generate(commonName: "shop.example.com", now: Date())
    static let publish = PublishAddress("192.0.2.10")
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static let t1 = t0.addingTimeInterval(60)

    static let edgeRef = ObjectReference(kind: "Gateway", namespace: "infra", name: "edge")

    /// infra/edge: `http` (80, All namespaces), `https` (443, certificate infra/cert), `tcp` (9000).
    static func edge(
        generation: Int = 2, addresses: [GatewaySpecAddress] = [], listeners: [GatewayListener]? = nil
    ) -> Gateway {
        Gateway(
            metadata: ObjectMeta(
                name: "edge", namespace: "infra", resourceVersion: "10", generation: generation),
            spec: GatewaySpec(
                gatewayClassName: "portico",
                listeners: listeners ?? [
                    GatewayListener(
                        name: "http", port: 80, protocol: "HTTP",
                        allowedRoutes: AllowedRoutes(namespaces: RouteNamespaces(from: "All"))),
                    GatewayListener(
                        name: "https", port: 443, protocol: "HTTPS",
                        tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: "cert")])),
                ],
                addresses: addresses))
    }

    static func route(
        _ name: String, ns: String = "shop", generation: Int = 1, sectionName: String? = "http",
        backend: String = "web",
        status: HTTPRouteStatus? = nil
    ) -> HTTPRoute {
        HTTPRoute(
            metadata: ObjectMeta(name: name, namespace: ns, resourceVersion: "20", generation: generation),
            spec: HTTPRouteSpec(
                parentRefs: [ParentReference(namespace: "infra", name: "edge", sectionName: sectionName)],
                rules: [HTTPRouteRule(backendRefs: [HTTPBackendRef(name: backend, port: 80)])]),
            status: status)
    }

    static func state(
        gateways: [Gateway] = [edge()], routes: [HTTPRoute] = [], secrets: [String] = ["infra/cert"]
    ) -> ClusterState {
        var state = ClusterState(
            services: [
                Service(
                    metadata: ObjectMeta(name: "web", namespace: "shop"),
                    spec: ServiceSpec(ports: [ServicePort(port: 80)]))
            ],
            secrets: secrets.map { s in
                let parts = s.split(separator: "/").map(String.init)
                // "*/broken": a Secret whose data is no certificate; the others hold a valid one.
                let data =
                    parts[1] == "broken"
                    ? ["tls.crt": "Yw==", "tls.key": "aw=="]
                    : ["tls.crt": Data(certificate.chainPEM.utf8).base64EncodedString(), "tls.key": Data(certificate.keyPEM.utf8).base64EncodedString()]
                return Secret(metadata: ObjectMeta(name: parts[1], namespace: parts[0]), data: data)
            })
        state.gatewayClasses = [
            GatewayClass(
                metadata: ObjectMeta(name: "portico", resourceVersion: "1", generation: 1),
                spec: GatewayClassSpec(controllerName: controller)),
            GatewayClass(
                metadata: ObjectMeta(name: "other"),
                spec: GatewayClassSpec(controllerName: "example.com/other")),
        ]
        state.gateways = gateways
        state.httpRoutes = routes
        state.namespaces = [
            Namespace(metadata: ObjectMeta(name: "infra")), Namespace(metadata: ObjectMeta(name: "shop")),
        ]
        return state
    }

    static func plan(_ state: ClusterState, publish: PublishAddress? = publish, now: Date = t0)
        -> [GatewayStatusUpdate]
    {
        GatewayStatusPlanner.plan(
            state, attachment: GatewayAttachment(state, controllerName: controller),
            controllerName: controller, publish: publish,
            now: now)
    }

    /// The state as the API server holds it once `updates` are written (each a new resourceVersion).
    static func written(_ updates: [GatewayStatusUpdate], to state: ClusterState) -> ClusterState {
        var state = state
        for update in updates {
            switch update.status {
            case .gatewayClass(let s):
                for i in state.gatewayClasses.indices
                where state.gatewayClasses[i].metadata.name == update.object.name {
                    state.gatewayClasses[i].status = s
                    state.gatewayClasses[i].metadata.resourceVersion = "w\(i)"
                }
            case .gateway(let s):
                for i in state.gateways.indices where state.gateways[i].metadata.name == update.object.name {
                    state.gateways[i].status = s
                    state.gateways[i].metadata.resourceVersion = "w\(i)"
                }
            case .httpRoute(let s):
                for i in state.httpRoutes.indices where ObjectReference(state.httpRoutes[i]) == update.object
                {
                    state.httpRoutes[i].status = s
                    state.httpRoutes[i].metadata.resourceVersion = "w\(i)"
                }
            }
        }
        return state
    }

    static func gatewayStatus(_ updates: [GatewayStatusUpdate]) -> GatewayStatus? {
        for u in updates { if case .gateway(let s) = u.status { return s } }
        return nil
    }

    static func routeStatus(_ updates: [GatewayStatusUpdate], _ name: String) -> HTTPRouteStatus? {
        for u in updates where u.object.name == name { if case .httpRoute(let s) = u.status { return s } }
        return nil
    }

    static func summary(_ conditions: [StatusCondition]) -> [String] {
        conditions.map {
            "\($0.type)=\($0.status)/\($0.reason)@\($0.observedGeneration.map(String.init) ?? "-")"
        }
    }

    @Test func ourGatewayClassIsAcceptedAndNoOtherIsTouched() {
        let updates = Self.plan(Self.state())
        let classes = updates.filter { $0.object.kind == "GatewayClass" }
        #expect(classes.map(\.object.name) == ["portico"])
        #expect(classes.first?.resourceVersion == "1")
        guard case .gatewayClass(let status)? = classes.first?.status else {
            Issue.record("no GatewayClass status")
            return
        }
        #expect(Self.summary(status.conditions) == ["Accepted=True/Accepted@1"])
        #expect(status.conditions.first?.lastTransitionTime == "2026-05-28T20:26:40Z")
    }

    @Test func gatewayListenersAndAddresses() {
        let routes = [Self.route("a"), Self.route("b"), Self.route("c", sectionName: "https")]
        let status = Self.gatewayStatus(Self.plan(Self.state(routes: routes)))
        #expect(status?.addresses == [GatewayStatusAddress(type: "IPAddress", value: "192.0.2.10")])
        #expect(
            Self.summary(status?.conditions ?? []) == [
                "Accepted=True/Accepted@2", "Programmed=True/Programmed@2",
            ])
        #expect(status?.listeners.map(\.name) == ["http", "https"])
        // `https` takes routes from its own namespace only (Same): c in shop is not allowed there.
        #expect(status?.listeners.map(\.attachedRoutes) == [2, 0])
        #expect(status?.listeners.first?.supportedKinds == [RouteGroupKind(kind: "HTTPRoute")])
        for listener in status?.listeners ?? [] {
            #expect(
                Self.summary(listener.conditions) == [
                    "Accepted=True/Accepted@2", "ResolvedRefs=True/ResolvedRefs@2",
                    "Programmed=True/Programmed@2",
                ])
        }
    }

    @Test(
        arguments: [
            // A protocol Portico does not serve.
            (
                GatewayListener(name: "tcp", port: 9000, protocol: "TCP"),
                [
                    "Accepted=False/UnsupportedProtocol@2", "ResolvedRefs=True/ResolvedRefs@2",
                    "Programmed=False/Invalid@2",
                ], [String]()
            ),
            // A route kind it does not serve.
            (
                GatewayListener(
                    name: "grpc", port: 80, protocol: "HTTP",
                    allowedRoutes: AllowedRoutes(kinds: [
                        RouteGroupKind(kind: "HTTPRoute"), RouteGroupKind(kind: "GRPCRoute"),
                    ])),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/InvalidRouteKinds@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
            // HTTPS whose Secret is missing, in another namespace without a grant, or not a Secret.
            (
                GatewayListener(
                    name: "tls", port: 443, protocol: "HTTPS",
                    tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: "gone")])),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/InvalidCertificateRef@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
            (
                GatewayListener(
                    name: "tls", port: 443, protocol: "HTTPS",
                    tls: GatewayListenerTLS(certificateRefs: [
                        SecretObjectReference(name: "cert", namespace: "shop")
                    ])),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/RefNotPermitted@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
            (
                GatewayListener(
                    name: "tls", port: 443, protocol: "HTTPS",
                    tls: GatewayListenerTLS(certificateRefs: [
                        SecretObjectReference(group: "example.com", kind: "Vault", name: "cert")
                    ])),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/InvalidCertificateRef@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
            // A Secret whose data is not a certificate and key.
            (
                GatewayListener(
                    name: "tls", port: 443, protocol: "HTTPS",
                    tls: GatewayListenerTLS(certificateRefs: [SecretObjectReference(name: "broken")])),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/InvalidCertificateRef@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
            (
                GatewayListener(name: "tls", port: 443, protocol: "HTTPS"),
                [
                    "Accepted=True/Accepted@2", "ResolvedRefs=False/InvalidCertificateRef@2",
                    "Programmed=False/Invalid@2",
                ], ["HTTPRoute"]
            ),
        ] as [(GatewayListener, [String], [String])])
    func invalidListener(listener: GatewayListener, conditions: [String], kinds: [String]) {
        let gateway = Self.edge(listeners: [
            GatewayListener(name: "http", port: 80, protocol: "HTTP"), listener,
        ])
        let status = Self.gatewayStatus(
            Self.plan(Self.state(gateways: [gateway], secrets: ["infra/cert", "shop/cert", "infra/broken"])))
        let planned = status?.listeners.last
        #expect(planned?.name == listener.name)
        #expect(Self.summary(planned?.conditions ?? []) == conditions)
        #expect(planned?.supportedKinds.map(\.kind) == kinds)
        // One of two listeners valid: the Gateway is accepted, saying which are not.
        #expect(
            Self.summary(status?.conditions ?? []) == [
                "Accepted=True/ListenersNotValid@2", "Programmed=True/Programmed@2",
            ])
    }

    @Test func aGatewayWithoutAValidListenerOrWithAnAddressItCannotHaveIsNotAccepted() {
        let none = Self.edge(listeners: [GatewayListener(name: "tcp", port: 9000, protocol: "TCP")])
        #expect(
            Self.summary(Self.gatewayStatus(Self.plan(Self.state(gateways: [none])))?.conditions ?? [])
                == ["Accepted=False/ListenersNotValid@2", "Programmed=False/Invalid@2"])
        let asked = Self.edge(addresses: [GatewaySpecAddress(value: "198.51.100.1")])
        #expect(
            Self.summary(Self.gatewayStatus(Self.plan(Self.state(gateways: [asked])))?.conditions ?? [])
                == ["Accepted=False/UnsupportedAddress@2", "Programmed=False/Invalid@2"])
        let same = Self.edge(addresses: [GatewaySpecAddress(value: "192.0.2.10")])
        #expect(
            Self.summary(Self.gatewayStatus(Self.plan(Self.state(gateways: [same])))?.conditions ?? [])
                == ["Accepted=True/Accepted@2", "Programmed=True/Programmed@2"])
    }

    @Test func withoutAPublishAddressTheGatewayIsNotProgrammed() {
        let status = Self.gatewayStatus(Self.plan(Self.state(), publish: nil))
        #expect(status?.addresses == [])
        #expect(
            Self.summary(status?.conditions ?? []) == [
                "Accepted=True/Accepted@2", "Programmed=False/AddressNotAssigned@2",
            ])
        let hostname = Self.gatewayStatus(Self.plan(Self.state(), publish: PublishAddress("lb.example.com")))
        #expect(hostname?.addresses == [GatewayStatusAddress(type: "Hostname", value: "lb.example.com")])
    }

    @Test(
        arguments: [
            (route("attached"), ["Accepted=True/Accepted@1", "ResolvedRefs=True/ResolvedRefs@1"]),
            (
                route("nosection", sectionName: "nope"),
                ["Accepted=False/NoMatchingParent@1", "ResolvedRefs=True/ResolvedRefs@1"]
            ),
            (
                route("nobackend", backend: "missing"),
                ["Accepted=True/Accepted@1", "ResolvedRefs=False/BackendNotFound@1"]
            ),
            (
                route("notallowed", sectionName: "https"),
                ["Accepted=False/NotAllowedByListeners@1", "ResolvedRefs=True/ResolvedRefs@1"]
            ),
            (
                route("later", generation: 7),
                ["Accepted=True/Accepted@7", "ResolvedRefs=True/ResolvedRefs@7"]
            ),
        ] as [(HTTPRoute, [String])])
    func routeParent(route: HTTPRoute, conditions: [String]) {
        let status = Self.routeStatus(Self.plan(Self.state(routes: [route])), route.metadata.name)
        #expect(status?.parents.count == 1)
        #expect(status?.parents.first?.controllerName == Self.controller)
        #expect(status?.parents.first?.parentRef == route.spec.parentRefs.first)
        #expect(Self.summary(status?.parents.first?.conditions ?? []) == conditions)
    }

    @Test func routesOfOtherGatewaysAreNotTouched() {
        var foreign = Self.route("foreign")
        foreign.spec.parentRefs = [ParentReference(namespace: "infra", name: "elsewhere")]
        #expect(Self.plan(Self.state(routes: [foreign])).filter { $0.object.kind == "HTTPRoute" }.isEmpty)
    }

    @Test func otherControllersEntriesStayWhereTheyAre() {
        let condition = StatusCondition(
            type: "Accepted", status: "True", lastTransitionTime: "2020-01-01T00:00:00Z", reason: "Accepted",
            message: "")
        let theirs = RouteParentStatus(
            parentRef: ParentReference(name: "theirs"), controllerName: "example.com/other",
            conditions: [condition])
        let stale = RouteParentStatus(
            parentRef: ParentReference(namespace: "infra", name: "edge", sectionName: "old"),
            controllerName: Self.controller,
            conditions: [condition])
        let current = RouteParentStatus(
            parentRef: ParentReference(namespace: "infra", name: "edge", sectionName: "http"),
            controllerName: Self.controller,
            conditions: [condition])
        let route = Self.route("r", status: HTTPRouteStatus(parents: [stale, current, theirs]))
        let status = Self.routeStatus(Self.plan(Self.state(routes: [route])), "r")
        // Our stale entry goes, ours is replaced in its place, theirs stays as it was.
        #expect(status?.parents.map(\.parentRef.sectionName) == ["http", nil])
        #expect(status?.parents.last == theirs)
        // Accepted was True already: its transition time holds.
        #expect(status?.parents.first?.conditions.first?.lastTransitionTime == "2020-01-01T00:00:00Z")
        #expect(status?.parents.first?.conditions.last?.lastTransitionTime == "2026-05-28T20:26:40Z")
    }

    @Test func whatWasWrittenIsNotPlannedAgain() {
        let state = Self.state(routes: [Self.route("a"), Self.route("b", backend: "missing")])
        let first = Self.plan(state)
        #expect(first.map(\.object.kind) == ["Gateway", "GatewayClass", "HTTPRoute", "HTTPRoute"])
        #expect(Self.plan(Self.written(first, to: state), now: Self.t1).isEmpty)
    }

    @Test func transitionTimesMoveOnlyWithTheStatus() {
        let state = Self.written(
            Self.plan(Self.state(routes: [Self.route("a")])), to: Self.state(routes: [Self.route("a")]))
        // A new generation that still attaches: observedGeneration moves, the times hold.
        var edited = state
        edited.httpRoutes[0].metadata.generation = 2
        let again = Self.routeStatus(Self.plan(edited, now: Self.t1), "a")
        #expect(
            Self.summary(again?.parents.first?.conditions ?? []) == [
                "Accepted=True/Accepted@2", "ResolvedRefs=True/ResolvedRefs@2",
            ])
        #expect(
            again?.parents.first?.conditions.map(\.lastTransitionTime) == [
                "2026-05-28T20:26:40Z", "2026-05-28T20:26:40Z",
            ])
        // A backend that goes: ResolvedRefs turns False now; Accepted keeps its time.
        edited.httpRoutes[0].spec.rules[0].backendRefs[0].name = "missing"
        let broken = Self.routeStatus(Self.plan(edited, now: Self.t1), "a")
        #expect(
            broken?.parents.first?.conditions.map(\.lastTransitionTime) == [
                "2026-05-28T20:26:40Z", "2026-05-28T20:27:40Z",
            ])
    }

    @Test func aRouteThatLeavesOurGatewayLosesOnlyOurEntry() {
        let state = Self.written(
            Self.plan(Self.state(routes: [Self.route("a")])), to: Self.state(routes: [Self.route("a")]))
        var moved = state
        moved.httpRoutes[0].spec.parentRefs = [ParentReference(namespace: "infra", name: "elsewhere")]
        #expect(Self.routeStatus(Self.plan(moved, now: Self.t1), "a") == HTTPRouteStatus(parents: []))
    }

    @Test func theCRDsPendingDefaultIsReplaced() {
        var gateway = Self.edge()
        gateway.status = GatewayStatus(conditions: [
            StatusCondition(
                type: "Accepted", status: "Unknown", lastTransitionTime: "1970-01-01T00:00:00Z",
                reason: "Pending", message: "Waiting for controller"),
            StatusCondition(
                type: "Programmed", status: "Unknown", lastTransitionTime: "1970-01-01T00:00:00Z",
                reason: "Pending", message: "Waiting for controller"),
        ])
        let status = Self.gatewayStatus(Self.plan(Self.state(gateways: [gateway])))
        #expect(
            Self.summary(status?.conditions ?? []) == [
                "Accepted=True/Accepted@2", "Programmed=True/Programmed@2",
            ])
        #expect(
            status?.conditions.map(\.lastTransitionTime) == ["2026-05-28T20:26:40Z", "2026-05-28T20:26:40Z"])
    }
}

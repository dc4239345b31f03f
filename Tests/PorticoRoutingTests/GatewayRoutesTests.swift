import PorticoModel
import Testing

@testable import PorticoRouting

/// HTTPRoutes as locations and ranked candidates, after the specification's precedence
/// (`HTTPRouteRule` in `apis/v1/httproute_types.go`): Exact, the longest prefix, a method, the
/// most headers, the most query parameters, the oldest route, then namespace/name and order.
@Suite struct GatewayRoutesTests {
    typealias A = GatewayAttachmentTests

    static func match(_ path: String, _ type: String = "PathPrefix", method: String? = nil, headers: Int = 0, query: Int = 0) -> HTTPRouteMatch {
        HTTPRouteMatch(
            path: HTTPPathMatch(type: type, value: path),
            headers: (0..<headers).map { HTTPHeaderMatch(name: "X-H\($0)", value: "v") },
            queryParams: (0..<query).map { HTTPQueryParamMatch(name: "q\($0)", value: "v") }, method: method)
    }

    static func rule(_ matches: [HTTPRouteMatch], service: String = "web") -> HTTPRouteRule {
        HTTPRouteRule(matches: matches, backendRefs: [HTTPBackendRef(name: service, port: 80)])
    }

    static func route(_ name: String, created: String? = nil, hostnames: [String] = ["shop.example.com"], rules: [HTTPRouteRule]) -> HTTPRoute {
        var r = A.route(name, hostnames: hostnames, rules: rules)
        r.metadata.creationTimestamp = created
        return r
    }

    static func hosts(_ routes: [HTTPRoute], ingressHosts: Set<String> = []) -> (hosts: [GatewayHost], diagnostics: [Diagnostic]) {
        let state = A.state(routes)
        return GatewayRouter.route(
            state, attachment: GatewayAttachment(state, controllerName: A.controller), clusterDomain: "cluster.local", ingressHosts: ingressHosts)
    }

    static func fields(_ candidates: [GatewayCandidate]) -> [String] { candidates.map { "\($0.route.name) \($0.field)" } }

    @Test func candidatesRankAsTheSpecificationOrdersThem() throws {
        let routes = [
            Self.route(
                "b", created: "2026-01-01T00:00:00Z",
                rules: [
                    Self.rule([Self.match("/api")]), Self.rule([Self.match("/api", headers: 1, query: 1)]), Self.rule([Self.match("/api", headers: 2)]),
                    Self.rule([Self.match("/api", method: "GET")]), Self.rule([Self.match("/")]), Self.rule([Self.match("/api/", headers: 1, query: 2)]),
                ]),
            // Newer: its equal match comes after b's; a, as old as b, before it by name.
            Self.route("c", created: "2026-02-01T00:00:00Z", rules: [Self.rule([Self.match("/api", headers: 2)])]),
            Self.route("a", created: "2026-01-01T00:00:00Z", rules: [Self.rule([Self.match("/api", headers: 2)])]),
        ]
        let host = try #require(Self.hosts(routes).hosts.first)
        #expect(host.key == "shop.example.com")
        // `/api` and below: one location of whole segments.
        let prefix = try #require(host.locations.first { $0.path == "/api" && $0.kind == .prefix })
        #expect(
            Self.fields(prefix.candidates) == [
                "b spec.rules[3].matches[0]", "a spec.rules[0].matches[0]", "b spec.rules[2].matches[0]", "c spec.rules[0].matches[0]",
                "b spec.rules[5].matches[0]", "b spec.rules[1].matches[0]", "b spec.rules[0].matches[0]", "b spec.rules[4].matches[0]",
            ])
        // `/` takes the rest.
        #expect(host.locations.count == 1)
        #expect(Self.fields(host.root) == ["b spec.rules[4].matches[0]"])
    }

    /// Exact locations first, then each prefix as whole segments, the longest first (nginx takes
    /// the first regex that matches).
    @Test func exactPathsComeFirstAndKeepThePrefixesThatCoverThem() throws {
        let routes = [
            Self.route(
                "web", rules: [Self.rule([Self.match("/a")]), Self.rule([Self.match("/a/b", "Exact")]), Self.rule([Self.match("/ab")]),
                Self.rule([Self.match("/ab", "Exact")])])
        ]
        let host = try #require(Self.hosts(routes).hosts.first)
        #expect(host.locations.map { "\($0.kind == .exact ? "= " : "")\($0.path)" } == ["= /a/b", "= /ab", "/ab", "/a"])
        #expect(host.locations.map(\.kind) == [.exact, .exact, .prefix, .prefix])
        #expect(Self.fields(host.locations[0].candidates) == ["web spec.rules[1].matches[0]", "web spec.rules[0].matches[0]"])
        // An Exact path takes its prefix's candidates after its own; `/ab` is not under `/a`.
        #expect(Self.fields(host.locations[1].candidates) == ["web spec.rules[3].matches[0]", "web spec.rules[2].matches[0]"])
        #expect(Self.fields(host.locations[2].candidates) == ["web spec.rules[2].matches[0]"])
        #expect(Self.fields(host.locations[3].candidates) == ["web spec.rules[0].matches[0]"])
    }

    @Test func aRouteOnTwoListenersOfOneHostnameIsServedOnce() throws {
        let route = A.route(
            "web", parents: [ParentReference(namespace: "infra", name: "edge", sectionName: "http"), ParentReference(namespace: "infra", name: "edge", sectionName: "https")],
            hostnames: ["shop.example.com"], rules: [Self.rule([Self.match("/")])])
        let hosts = Self.hosts([route]).hosts
        #expect(hosts.map(\.key) == ["shop.example.com"])
        #expect(hosts[0].root.count == 1 && hosts[0].locations.isEmpty)
    }

    @Test func ingressesKeepTheirHosts() {
        let routed = Self.hosts([Self.route("web", hostnames: ["shop.example.com", "blog.example.com"], rules: [Self.rule([Self.match("/")])])], ingressHosts: ["shop.example.com"])
        #expect(routed.hosts.map(\.key) == ["blog.example.com"])
        #expect(routed.diagnostics.map(\.code) == [.conflict])
        #expect(routed.diagnostics.first?.description.contains("\"shop.example.com\" is served by Ingresses") == true)
    }

    @Test func aRouteWithAValueNginxCannotTakeIsNotAccepted() throws {
        var bad = Self.rule([Self.match("/a b")])
        let routed = Self.hosts([Self.route("web", rules: [bad])])
        #expect(routed.hosts.isEmpty)
        let diagnostic = try #require(routed.diagnostics.first)
        #expect(diagnostic.code == .routeNotAccepted && diagnostic.message.contains("UnsupportedValue") && diagnostic.message.contains("spec.rules[0].matches[0].path.value"))
        bad.matches = [HTTPRouteMatch(path: HTTPPathMatch(type: "PathPrefix", value: "/"), headers: [HTTPHeaderMatch(name: "X A", value: "v")])]
        #expect(Self.hosts([Self.route("web", rules: [bad])]).hosts.isEmpty)
    }

    @Test func backendsThatCannotBeServedAnswer500ForTheirShareOnly() throws {
        let rule = HTTPRouteRule(
            matches: [Self.match("/")],
            backendRefs: [HTTPBackendRef(name: "web", port: 80, weight: 3), HTTPBackendRef(name: "gone", port: 80), HTTPBackendRef(name: "web", port: 81, weight: 0)])
        let routed = Self.hosts([Self.route("web", rules: [rule])])
        let action = try #require(routed.hosts.first?.root.first?.action)
        #expect(action.targets == [.init(target: .upstream(Upstream(host: "web.infra.svc.cluster.local", port: 80)), weight: 3), .init(target: .failure, weight: 1)])
        #expect(routed.diagnostics.map(\.code) == [.invalidBackend])
    }
}

extension GatewayRoutesTests {
    @Test func regexesComeInTheirRoutesOrderAndFallBackToTheRoot() throws {
        let routes = [
            Self.route("b", created: "2026-01-01T00:00:00Z", rules: [Self.rule([Self.match("/b/[0-9]+", "RegularExpression")]), Self.rule([Self.match("/")])]),
            Self.route("a", created: "2026-02-01T00:00:00Z", rules: [Self.rule([Self.match("/a/.*", "RegularExpression", method: "GET")])]),
        ]
        let host = try #require(Self.hosts(routes).hosts.first)
        #expect(host.locations.filter { $0.kind == .regex }.map(\.path) == ["/b/[0-9]+", "/a/.*"])
        #expect(Self.fields(host.locations.last?.candidates ?? []) == ["a spec.rules[0].matches[0]", "b spec.rules[1].matches[0]"])
        // A regex nginx's PCRE refuses, or one that could name an nginx variable, is not accepted.
        for bad in ["/(unclosed", "/(?<x>a)", "no-slash"] {
            let routed = Self.hosts([Self.route("c", rules: [Self.rule([Self.match(bad, "RegularExpression")])])])
            #expect(routed.hosts.isEmpty && routed.diagnostics.first?.code == .routeNotAccepted, "\(bad)")
        }
    }
}

extension GatewayRoutesTests {
    /// Rule timeouts are not served yet: said, not silently dropped; the route still serves.
    @Test func timeoutsAreReportedNotDropped() throws {
        var rule = Self.rule([Self.match("/")])
        rule.timeouts = HTTPRouteTimeouts(request: "10s")
        let routed = Self.hosts([Self.route("web", rules: [rule])])
        #expect(routed.hosts.count == 1)
        #expect(routed.diagnostics.map(\.code) == [.unsupportedRouteField] && routed.diagnostics.first?.field == "spec.rules[0].timeouts")
    }
}

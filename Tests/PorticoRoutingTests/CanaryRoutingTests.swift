import PorticoModel
import Testing

@testable import PorticoRouting

/// Canary Ingresses as ingress-nginx reads and merges them: which annotations say what, which main
/// route a canary path finds, and what happens to everything a canary cannot take.
@Suite struct CanaryRoutingTests {
    static let main = "main.default.svc.cluster.local:80"
    static let v2 = "v2.default.svc.cluster.local:80"
    static let nginx = "nginx.ingress.kubernetes.io/"

    static func route(_ ingresses: [Ingress]) -> RoutingTable {
        Router().route(ClusterState(ingresses: ingresses, services: [F.service("main"), F.service("v2"), F.service("other")]))
    }

    static func mainIngress(_ paths: HTTPIngressPath..., host: String? = "a.test", annotations: [String: String]? = nil) -> Ingress {
        F.ingress("main", created: "2025-01-01T00:00:00Z", annotations: annotations, rules: [IngressRule(host: host, paths: paths)])
    }

    static func canary(
        _ annotations: [String: String] = [:], name: String = "canary", created: String? = "2025-06-01T00:00:00Z",
        host: String? = "a.test", paths: HTTPIngressPath...
    ) -> Ingress {
        var all = [nginx + "canary": "true"]
        for (key, value) in annotations { all[key.contains("/") ? key : nginx + key] = value }
        return F.ingress(
            name, created: created, annotations: all, rules: [IngressRule(host: host, paths: paths.isEmpty ? [F.path("/", svc: "v2")] : paths)])
    }

    static func codes(_ table: RoutingTable) -> [String] {
        table.diagnostics.map { "\($0.code.rawValue) \($0.object.name) \($0.field)" }
    }

    static func field(_ name: String) -> String { "metadata.annotations[\"\(nginx + name)\"]" }

    // MARK: the annotations

    struct Reading: CustomTestStringConvertible, Sendable {
        var annotations: [String: String]
        var rules: CanaryRules
        /// The annotations (after the prefix) reported invalid.
        var invalid: [String] = []

        var testDescription: String { annotations.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
    }

    static func header(_ name: String, _ match: CanaryHeader.Match = .alwaysOrNever) -> CanaryHeader {
        CanaryHeader(name: name, match: match)
    }

    static let readings: [Reading] = [
        Reading(annotations: ["canary-by-header": "X-Canary"], rules: CanaryRules(header: header("X-Canary"))),
        Reading(annotations: ["canary-by-header": "  X-Canary \n"], rules: CanaryRules(header: header("X-Canary"))),
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-value": "v1.2 beta"],
            rules: CanaryRules(header: header("X-Canary", .value("v1.2 beta")))),
        // The value wins over the pattern.
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-value": "DoCanary", "canary-by-header-pattern": "^Do"],
            rules: CanaryRules(header: header("X-Canary", .value("DoCanary")))),
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "^Do[A-Z][a-z]+y$"],
            rules: CanaryRules(header: header("X-Canary", .pattern("^Do[A-Z][a-z]+y$")))),
        // ingress-nginx's own example of a pattern that does not compile.
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "[][**da?$&*"],
            rules: CanaryRules(header: header("X-Canary", .brokenPattern)), invalid: ["canary-by-header-pattern"]),
        // Characters ingress-nginx refuses too: the pattern is ignored, always and never decide.
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "a\"; } return 200 x; #"],
            rules: CanaryRules(header: header("X-Canary")), invalid: ["canary-by-header-pattern"]),
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "(?<portico_upstream>.*)"],
            rules: CanaryRules(header: header("X-Canary")), invalid: ["canary-by-header-pattern"]),
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-header-value": "v\"2"],
            rules: CanaryRules(header: header("X-Canary")), invalid: ["canary-by-header-value"]),
        Reading(annotations: ["canary-by-header": "X.Canary"], rules: CanaryRules(), invalid: ["canary-by-header"]),
        Reading(annotations: ["canary-by-header": "X-Canary; return 200"], rules: CanaryRules(), invalid: ["canary-by-header"]),
        Reading(annotations: ["canary-by-header": "$http_cookie"], rules: CanaryRules(), invalid: ["canary-by-header"]),
        // Without a header the value and the pattern mean nothing, as in ingress-nginx.
        Reading(annotations: ["canary-by-header-value": "x", "canary-by-header-pattern": "y"], rules: CanaryRules()),
        Reading(annotations: ["canary-by-cookie": "CanaryByCookie"], rules: CanaryRules(cookie: "CanaryByCookie")),
        Reading(annotations: ["canary-by-cookie": "my-cookie"], rules: CanaryRules(), invalid: ["canary-by-cookie"]),
        Reading(annotations: ["canary-weight": "30"], rules: CanaryRules(share: 3000)),
        Reading(annotations: ["canary-weight": "0"], rules: CanaryRules(share: 0)),
        Reading(annotations: ["canary-weight": "100"], rules: CanaryRules(share: 10_000)),
        Reading(annotations: ["canary-weight": "150"], rules: CanaryRules(share: 10_000)),
        Reading(annotations: ["canary-weight": "-5"], rules: CanaryRules(share: 0)),
        Reading(annotations: ["canary-weight": "+7"], rules: CanaryRules(share: 700)),
        Reading(annotations: ["canary-weight": "1000", "canary-weight-total": "1000"], rules: CanaryRules(share: 10_000)),
        Reading(annotations: ["canary-weight": "100", "canary-weight-total": "200"], rules: CanaryRules(share: 5000)),
        // ingress-nginx's balancer counts out of 100 unless the total is larger.
        Reading(annotations: ["canary-weight": "5", "canary-weight-total": "10"], rules: CanaryRules(share: 500)),
        Reading(annotations: ["canary-weight": "1", "canary-weight-total": "300"], rules: CanaryRules(share: 33)),
        Reading(annotations: ["canary-weight": "30%"], rules: CanaryRules(share: 0), invalid: ["canary-weight"]),
        Reading(annotations: ["canary-weight": " 30"], rules: CanaryRules(share: 0), invalid: ["canary-weight"]),
        Reading(
            annotations: ["canary-weight": "50", "canary-weight-total": "lots"], rules: CanaryRules(share: 5000),
            invalid: ["canary-weight-total"]),
        Reading(
            annotations: ["canary-by-header": "X-Canary", "canary-by-cookie": "beta", "canary-weight": "20"],
            rules: CanaryRules(header: header("X-Canary"), cookie: "beta", share: 2000)),
        // portico.io/ wins.
        Reading(
            annotations: ["canary-by-header": "X-Old", "portico.io/canary-by-header": "X-New"], rules: CanaryRules(header: header("X-New"))),
    ]

    @Test(arguments: readings)
    func annotationsSayWhichRequestsTheCanaryTakes(_ reading: Reading) throws {
        let table = Self.route([Self.mainIngress(F.path("/", svc: "main")), Self.canary(reading.annotations)])
        let location = try #require(table.vhost("a.test")?.locations.first)
        #expect(location.backend == F.upstream("main"))
        #expect(location.canary?.upstream.address == Self.v2)
        #expect(location.canary?.rules == reading.rules)
        let expected = reading.invalid.map { name in
            "invalid-annotation canary \(name.contains("/") ? "metadata.annotations[\"\(name)\"]" : Self.field(name))"
        }
        #expect(Self.codes(table) == expected)
    }

    // MARK: which main route a canary path finds

    struct Match: CustomTestStringConvertible, Sendable {
        var main: HTTPIngressPath
        var canary: HTTPIngressPath
        var applies: Bool
        var testDescription: String {
            "main \(main.pathType ?? "nil") \(main.path ?? "nil"), canary \(canary.pathType ?? "nil") \(canary.path ?? "nil")"
        }
    }

    static let matches: [Match] = [
        Match(main: F.path("/", svc: "main"), canary: F.path("/", svc: "v2"), applies: true),
        Match(main: F.path("/api", svc: "main"), canary: F.path("/api", svc: "v2"), applies: true),
        // The path as written: ingress-nginx compares the strings.
        Match(main: F.path("/api", svc: "main"), canary: F.path("/api/", svc: "v2"), applies: false),
        Match(main: F.path("/api/", svc: "main"), canary: F.path("/api/", svc: "v2"), applies: true),
        Match(main: F.path("/api", svc: "main"), canary: F.path("/ap", svc: "v2"), applies: false),
        // ImplementationSpecific and no type are Prefix to ingress-nginx.
        Match(main: F.path("/api", "ImplementationSpecific", svc: "main"), canary: F.path("/api", svc: "v2"), applies: true),
        Match(main: F.path("/api", nil, svc: "main"), canary: F.path("/api", "ImplementationSpecific", svc: "v2"), applies: true),
        Match(main: F.path("/api", "Exact", svc: "main"), canary: F.path("/api", svc: "v2"), applies: false),
        Match(main: F.path("/api", "Exact", svc: "main"), canary: F.path("/api", "Exact", svc: "v2"), applies: true),
        Match(main: F.path("/api", svc: "main"), canary: F.path("/api", "Exact", svc: "v2"), applies: false),
        Match(main: F.path(nil, svc: "main"), canary: F.path("/", svc: "v2"), applies: true),
    ]

    @Test(arguments: matches, [nil, "a.test", "*.wild.test"])
    func aCanaryPathFindsTheMainRouteWithItsHostPathAndType(_ match: Match, host: String?) {
        let table = Self.route([
            Self.mainIngress(match.main, host: host), Self.canary(host: host, paths: match.canary),
            // The same path on another host is never the canary's.
            F.ingress("elsewhere", rules: [F.rule("b.test", match.main)]),
        ])
        let locations = host.map { table.vhost($0)?.locations ?? [] } ?? table.catchAll.locations
        #expect(locations.count == 1)
        #expect((locations.first?.canary?.upstream.address == Self.v2) == match.applies)
        #expect(table.vhost("b.test")?.locations.allSatisfy { $0.canary == nil } == true)
        #expect(Self.codes(table) == (match.applies ? [] : ["canary-not-served canary spec.rules[0].http.paths[0]"]))
    }

    /// On a host matched as ingress-nginx did, Prefix `/api` is two regexes: the canary rides on both.
    @Test func aCanaryFollowsItsRouteOntoARegexHost() {
        let regex = F.ingress(
            "regex", created: "2024-01-01T00:00:00Z", annotations: [Self.nginx + "use-regex": "true"],
            rules: [F.rule("a.test", F.path("/v[0-9]+", "ImplementationSpecific", svc: "other"))])
        let table = Self.route([regex, Self.mainIngress(F.path("/api", svc: "main")), Self.canary(paths: F.path("/api", svc: "v2"))])
        let routes = table.vhost("a.test")?.locations.filter { $0.backend == F.upstream("main") } ?? []
        #expect(routes.map(\.path) == ["/api/", "/api"])
        #expect(routes.allSatisfy { $0.canary?.upstream.address == Self.v2 })
        #expect(Self.codes(table) == [])
    }

    // MARK: what a canary cannot take

    @Test func aHostWithOnlyACanaryIsNotServed() {
        let table = Self.route([Self.canary(host: "only.test", paths: F.path("/", svc: "v2"))])
        #expect(table.virtualHosts.isEmpty)
        #expect(table.catchAll.locations.isEmpty)
        #expect(Self.codes(table) == ["canary-not-served canary spec.rules[0].http.paths[0]"])
        // Taken in all the same: its status names Portico, as ingress-nginx's did.
        #expect(table.servedIngresses.contains(ObjectReference(kind: "Ingress", namespace: "default", name: "canary")))
    }

    @Test func theOldestCanaryOfARouteWins() {
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0]] {
            let ingresses = [
                Self.mainIngress(F.path("/", svc: "main")),
                Self.canary(["canary-weight": "10"], name: "old", created: "2025-02-01T00:00:00Z", paths: F.path("/", svc: "v2")),
                Self.canary(["canary-weight": "90"], name: "new", created: "2025-03-01T00:00:00Z", paths: F.path("/", svc: "other")),
            ]
            let table = Self.route(order.map { ingresses[$0] })
            #expect(table.vhost("a.test")?.locations.first?.canary?.source.name == "old")
            #expect(table.vhost("a.test")?.locations.first?.canary?.rules.share == 1000)
            #expect(Self.codes(table) == ["conflict new spec.rules[0].http.paths[0]"])
        }
    }

    @Test func aMissingCanaryServiceLeavesTheMainRouteItsRequests() throws {
        let table = Self.route([Self.mainIngress(F.path("/", svc: "main")), Self.canary(paths: F.path("/", svc: "gone"))])
        #expect(table.vhost("a.test")?.locations.first?.canary == nil)
        let d = try #require(table.diagnostics.first)
        #expect("\(d.code.rawValue) \(d.field)" == "service-not-found spec.rules[0].http.paths[0]")
        #expect(d.message == "service \"gone\" not found; no canary, the main route keeps all of its requests")
    }

    @Test func aCanaryOfTheMainServiceOrOfARedirectSplitsNothing() {
        let same = Self.route([Self.mainIngress(F.path("/", svc: "main")), Self.canary(paths: F.path("/", svc: "main"))])
        #expect(same.vhost("a.test")?.locations.first?.canary == nil)
        #expect(Self.codes(same) == ["canary-not-served canary spec.rules[0].http.paths[0]"])
        let redirect = Self.route([
            Self.mainIngress(F.path("/", svc: "main"), annotations: [Self.nginx + "permanent-redirect": "https://b.test/"]),
            Self.canary(paths: F.path("/", svc: "v2")),
        ])
        #expect(redirect.vhost("a.test")?.locations.first?.canary == nil)
        #expect(Self.codes(redirect) == ["canary-not-served canary spec.rules[0].http.paths[0]"])
    }

    /// ingress-nginx merges only a canary's backends: its other annotations, its TLS and its
    /// default backend do nothing (Portico says so of the default backend, which ingress-nginx did
    /// merge, and of affinity, which it read from the canary).
    @Test func aCanarysOtherSettingsAreIgnored() throws {
        let canary = Self.canary([
            "proxy-read-timeout": "5", "auth-type": "basic", "configuration-snippet": "return 200;", "use-regex": "true",
            "whitelist-source-range": "10.0.0.0/8", "affinity": "cookie", "canary-weight": "50",
        ])
        var withBackend = canary
        withBackend.spec.defaultBackend = .service("v2", port: ServiceBackendPort(number: 80))
        withBackend.spec.tls = [IngressTLS(hosts: ["a.test"], secretName: "missing")]
        let table = Router(options: RoutingOptions(servesHTTPS: true)).route(
            ClusterState(ingresses: [Self.mainIngress(F.path("/", svc: "main")), withBackend], services: [F.service("main"), F.service("v2")]))
        let location = try #require(table.vhost("a.test")?.locations.first)
        #expect(location.match == .prefix)
        #expect(location.options == ProxyOptions())
        #expect(location.canary?.rules.share == 5000)
        #expect(table.vhost("a.test")?.tls == nil)
        #expect(table.catchAll.fallback == nil)
        #expect(Self.codes(table).filter { !$0.hasPrefix("certificate") } == [
            "unsupported-annotation canary \(Self.field("affinity"))", "canary-not-served canary spec.defaultBackend",
        ])
    }

    /// Without `canary: "true"` the canary settings are ignored without a word, as ingress-nginx
    /// ignores them, under either prefix.
    @Test func canarySettingsOfAnIngressThatIsNoCanaryAreQuiet() {
        let main = Self.mainIngress(
            F.path("/", svc: "main"),
            annotations: ["portico.io/canary-weight": "10", Self.nginx + "canary-by-header": "X", "portico.io/canary": "false"])
        let table = Self.route([main])
        #expect(Self.codes(table) == [])
        #expect(table.vhost("a.test")?.locations.first?.canary == nil)
    }

    @Test func aCanaryServiceIsAnUpstreamAndTheOutputIgnoresInputOrder() {
        let ingresses = [
            Self.mainIngress(F.path("/", svc: "main"), F.path("/x", "Exact", svc: "main")),
            Self.canary(["canary-by-header": "X-Canary"], paths: F.path("/", svc: "v2"), F.path("/x", "Exact", svc: "other"), F.path("/no", svc: "v2")),
        ]
        let table = Self.route(ingresses)
        #expect(table.upstreams.map(\.address) == ["main.default.svc.cluster.local:80", "other.default.svc.cluster.local:80", Self.v2])
        #expect(Self.route(ingresses.reversed()) == table)
    }
}

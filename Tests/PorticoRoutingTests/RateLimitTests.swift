import PorticoModel
import Testing

@testable import PorticoRouting

/// `limit-*` as ingress-nginx reads them: zones of the Ingress's own, burst = limit × multiplier.
@Suite struct RateLimitTests {
    static let n = "nginx.ingress.kubernetes.io/"
    static let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "web")

    static func limit(_ annotations: [String: String]) -> (RateLimit?, [Diagnostic]) {
        let ingress = F.ingress("web", annotations: annotations, rules: [F.rule("a.test", F.path("/"), F.path("/api", "Exact"))])
        let table = Router().route(ClusterState(ingresses: [ingress], services: [F.service("web")]))
        let limits = Set((table.vhost("a.test")?.locations ?? []).map { $0.options.rateLimit })
        #expect(limits.count == 1, "every path of the Ingress has its limits")
        return (limits.first ?? nil, table.diagnostics)
    }

    @Test(arguments: [
        // (annotations, per second, per minute, connections, diagnostics)
        ([n + "limit-rps": "10"], RateLimit.Limit(rate: 10, burst: 50), nil, nil, 0),
        ([n + "limit-rps": "10", n + "limit-burst-multiplier": "1"], RateLimit.Limit(rate: 10, burst: 10), nil, nil, 0),
        ([n + "limit-rpm": "300", n + "limit-connections": "4"], nil, RateLimit.Limit(rate: 300, burst: 1500), 4, 0),
        // portico.io/ wins; 0 and below are no limit, as Go's Atoi reads them in ingress-nginx.
        ([n + "limit-rps": "10", "portico.io/limit-rps": "3"], RateLimit.Limit(rate: 3, burst: 15), nil, nil, 0),
        ([n + "limit-rps": "0", n + "limit-rpm": "-5", n + "limit-connections": "+2"], nil, nil, 2, 0),
        // Invalid numbers: no such limit, with a word; an invalid multiplier: the default 5.
        ([n + "limit-rps": "10r", n + "limit-rpm": "6"], nil, RateLimit.Limit(rate: 6, burst: 30), nil, 1),
        ([n + "limit-rps": "10;\n deny all"], nil, nil, nil, 1),
        ([n + "limit-rps": "2", n + "limit-burst-multiplier": "$x"], RateLimit.Limit(rate: 2, burst: 10), nil, nil, 1),
        ([n + "limit-rps": "99999999999999999999"], nil, nil, nil, 1),
    ] as [([String: String], RateLimit.Limit?, RateLimit.Limit?, Int?, Int)])
    func readsLimits(annotations: [String: String], perSecond: RateLimit.Limit?, perMinute: RateLimit.Limit?, connections: Int?, diagnostics: Int) {
        let (limit, found) = Self.limit(annotations)
        #expect(limit?.perSecond == perSecond && limit?.perMinute == perMinute && limit?.connections == connections, "\(String(describing: limit))")
        #expect(limit == nil || limit?.id == RateLimit.id(Self.ref) || limit?.usesZones == false)
        #expect(found.count == diagnostics && found.allSatisfy { $0.code == .invalidAnnotation }, "\(found)")
    }

    @Test func exemptsListedAddressesAndNobodyForAnUnreadableList() {
        let (limit, none) = Self.limit([Self.n + "limit-rps": "1", Self.n + "limit-whitelist": "10.0.0.0/8, 192.168.1.1"])
        #expect(limit?.exempt.map(\.text) == ["10.0.0.0/8", "192.168.1.1/32"] && none.isEmpty)
        let (allowlist, _) = Self.limit([Self.n + "limit-rps": "1", Self.n + "limit-allowlist": "::1"])
        #expect(allowlist?.exempt.map(\.text) == ["::1/128"])
        let (bad, found) = Self.limit([Self.n + "limit-rps": "1", Self.n + "limit-whitelist": "10.0.0.0/8 1;\n0.0.0.0/0"])
        #expect(bad?.exempt == [] && bad?.perSecond != nil && found.count == 1, "\(found)")
    }

    @Test func limitsTheResponseRateWithoutZones() {
        let (limit, _) = Self.limit([Self.n + "limit-rate": "100", Self.n + "limit-rate-after": "1024"])
        #expect(limit?.rateKiB == 100 && limit?.rateAfterKiB == 1024 && limit?.usesZones == false)
        #expect(Self.limit([:]).0 == nil)
    }

    /// Each Ingress has its own zones: two Ingresses with the same numbers count apart.
    @Test func zonesAreTheIngresssOwn() {
        let a = F.ingress("a", annotations: [Self.n + "limit-rps": "5"], rules: [F.rule("a.test", F.path("/a"))])
        let b = F.ingress("b", annotations: [Self.n + "limit-rps": "5"], rules: [F.rule("a.test", F.path("/b"))])
        let table = Router().route(ClusterState(ingresses: [a, b], services: [F.service("web")]))
        let ids = Set((table.vhost("a.test")?.locations ?? []).compactMap { $0.options.rateLimit?.id })
        #expect(ids.count == 2)
    }
}

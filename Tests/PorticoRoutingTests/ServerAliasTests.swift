import PorticoModel
import Testing

@testable import PorticoRouting

/// `server-alias` as ingress-nginx merges it: the oldest Ingress of a host with aliases decides
/// them, and a name that is a host, or an earlier host's alias, is no alias.
@Suite struct ServerAliasTests {
    static let key = "nginx.ingress.kubernetes.io/server-alias"

    static func route(_ ingresses: [Ingress]) -> RoutingTable {
        Router().route(ClusterState(ingresses: ingresses, services: [F.service("web")]))
    }

    @Test func theOldestIngressWithAliasesDecidesThem() {
        let plain = F.ingress("plain", created: "2023-01-01T00:00:00Z", rules: [F.rule("a.test", F.path("/p"))])
        let old = F.ingress(
            "old", created: "2024-01-01T00:00:00Z", annotations: [Self.key: " www.a.test, A2.test ,a.test, www.a.test"],
            rules: [F.rule("a.test", F.path("/old"))])
        let new = F.ingress(
            "new", created: "2025-01-01T00:00:00Z", annotations: [Self.key: "other.test"], rules: [F.rule("a.test", F.path("/new"))])
        let table = Self.route([new, old, plain])
        #expect(table.vhost("a.test")?.aliases == ["a2.test", "www.a.test"])
        #expect(table.diagnostics.map(\.code) == [.conflict] && table.diagnostics[0].object.name == "new", "\(table.diagnostics)")
    }

    @Test func namesThatAreNotExactHostsAreLeftOut() {
        let ingress = F.ingress(
            "web", annotations: [Self.key: "*.a.test, ~^www\\d+\\.a\\.test$, ok.test, bad name, 1.2.3.4"],
            rules: [F.rule("a.test", F.path("/")), F.rule("*.w.test", F.path("/")), F.rule(nil, F.path("/none"))])
        let table = Self.route([ingress])
        #expect(table.vhost("a.test")?.aliases == ["ok.test"])
        #expect(table.vhost("*.w.test")?.aliases == [])
        let codes = table.diagnostics.map(\.code)
        #expect(codes.filter { $0 == .invalidAnnotation }.count == 5, "\(table.diagnostics)")  // 4 names, the rule without host
        #expect(codes.filter { $0 == .unsupportedAnnotation }.count == 1)  // the wildcard host
    }

    @Test func aHostOrAnEarlierAliasIsNoAlias() {
        let a = F.ingress("a", annotations: [Self.key: "b.test, shared.test"], rules: [F.rule("a.test", F.path("/"))])
        let b = F.ingress("b", annotations: [Self.key: "shared.test, own.test"], rules: [F.rule("b.test", F.path("/"))])
        let table = Self.route([a, b])
        #expect(table.servedAliases == [["shared.test"], ["own.test"]])
        #expect(table.explain(host: "own.test", path: "/").hostMatch == "server-alias of b.test")
    }
}

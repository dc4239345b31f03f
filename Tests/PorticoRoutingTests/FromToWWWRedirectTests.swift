import PorticoModel
import Testing

@testable import PorticoRouting

/// `from-to-www-redirect` as ingress-nginx serves it: any Ingress of a host turns it on, and the
/// other name is served as a redirect only when it is no host or alias of its own.
@Suite struct FromToWWWRedirectTests {
    static let key = "nginx.ingress.kubernetes.io/from-to-www-redirect"

    static func route(_ ingresses: [Ingress]) -> RoutingTable {
        Router().route(ClusterState(ingresses: ingresses, services: [F.service("web")]))
    }

    @Test func anyIngressOfTheHostTurnsItOn() {
        let plain = F.ingress("plain", rules: [F.rule("a.test", F.path("/p"))])
        let on = F.ingress("on", annotations: [Self.key: "true"], rules: [F.rule("a.test", F.path("/on")), F.rule("www.b.test", F.path("/"))])
        let table = Self.route([plain, on])
        #expect(table.virtualHosts.map(\.redirectsFromToWWW) == [true, true])
        #expect(table.servedWWWRedirects == ["www.a.test", "b.test"])
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
    }

    @Test func aNameThatIsAHostOrAnAliasIsNotRedirected() {
        let a = F.ingress("a", annotations: [Self.key: "true"], rules: [F.rule("a.test", F.path("/"))])
        let www = F.ingress("www", rules: [F.rule("www.a.test", F.path("/"))])
        #expect(Self.route([a, www]).servedWWWRedirects == [nil, nil])
        let alias = F.ingress("c", annotations: ["nginx.ingress.kubernetes.io/server-alias": "www.d.test"], rules: [F.rule("c.test", F.path("/"))])
        let d = F.ingress("d", annotations: [Self.key: "true"], rules: [F.rule("d.test", F.path("/"))])
        #expect(Self.route([alias, d]).servedWWWRedirects == [nil, nil])
    }

    @Test(arguments: [("false", 0), ("no", 1), ("true; x", 1)])
    func otherValuesAreNoRedirect(value: String, diagnostics: Int) {
        let table = Self.route([F.ingress("i", annotations: [Self.key: value], rules: [F.rule("a.test", F.path("/"))])])
        #expect(table.servedWWWRedirects == [nil])
        #expect(table.diagnostics.filter { $0.code == .invalidAnnotation }.count == diagnostics, "\(table.diagnostics)")
    }

    @Test func porticoCheckHonoursIt() {
        let findings = MigrationCheck.annotations([Self.key: "true", "portico.io/from-to-www-redirect": "maybe"], options: RoutingOptions())
        #expect(findings.map(\.status) == [.honoured, .honoured])
        #expect(findings.first { $0.subject == "portico.io/from-to-www-redirect" }?.detail.contains("no redirect") == true)
    }

    @Test func wildcardsAndRulesWithoutHostHaveNoWWWName() {
        let table = Self.route([F.ingress("i", annotations: [Self.key: "true"], rules: [F.rule("*.a.test", F.path("/")), F.rule(nil, F.path("/x"))])])
        #expect(table.servedWWWRedirects == [nil])
        #expect(table.diagnostics.map(\.code) == [.unsupportedAnnotation, .unsupportedAnnotation], "\(table.diagnostics)")
    }
}

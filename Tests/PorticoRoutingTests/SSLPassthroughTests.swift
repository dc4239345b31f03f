import PorticoModel
import Testing

@testable import PorticoRouting

/// `ssl-passthrough`, as ingress-nginx reads it with `--enable-ssl-passthrough`: exact hosts of the
/// Ingress's rules to the Service of their path `/`, the oldest Ingress of a host first.
@Suite struct SSLPassthroughTests {
    static let key = "nginx.ingress.kubernetes.io/ssl-passthrough"

    static func options(enabled: Bool = true, https: Bool = true) -> RoutingOptions {
        var o = RoutingOptions(servesHTTPS: https)
        o.sslPassthrough = enabled
        return o
    }

    static func route(_ ingresses: [Ingress], _ options: RoutingOptions = options(), services: [Service] = [F.service("web"), F.service("tls", ports: [ServicePort(name: "https", port: 8443)])]) -> RoutingTable {
        Router(options: options).route(ClusterState(ingresses: ingresses, services: services))
    }

    static func passing(_ name: String = "pass", created: String? = nil, annotations: [String: String] = [key: "true"], rules: [IngressRule]? = nil) -> Ingress {
        F.ingress(name, created: created, annotations: annotations, rules: rules ?? [F.rule("pass.test", F.path("/", svc: "tls", port: 8443))])
    }

    static func entries(_ table: RoutingTable) -> [String] {
        table.passthrough.map { "\($0.host.name) -> \($0.upstream.address) (\($0.source.name) \($0.field))" }
    }

    @Test func anExactHostGoesToTheServiceOfItsRootPath() {
        let table = Self.route([Self.passing(), F.ingress("other", rules: [F.rule("other.test", F.path("/"))])])
        #expect(Self.entries(table) == ["pass.test -> tls.default.svc.cluster.local:8443 (pass spec.rules[0].http.paths[0])"])
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        // Plain HTTP keeps its route, which speaks TLS to the Service (ingress-nginx's https:// upstream).
        #expect(table.vhost("pass.test")?.locations.first?.options.upstream?.backendProtocol == .https)
        #expect(table.vhost("other.test")?.locations.first?.options.upstream?.backendProtocol == nil)
    }

    @Test(arguments: [
        // value, enabled, HTTPS, passed, diagnostic
        ("true", true, true, true, nil), ("True", true, true, true, nil), ("1", true, true, true, nil),
        ("false", true, true, false, nil), ("yes", true, true, false, Diagnostic.Code.invalidAnnotation),
        ("true", false, true, false, .unsupportedAnnotation), ("true", false, false, false, .unsupportedAnnotation),
        ("true", true, false, false, .unsupportedAnnotation),
    ])
    func theFlagAndTheValueDecide(value: String, enabled: Bool, https: Bool, passed: Bool, diagnostic: Diagnostic.Code?) {
        let table = Self.route([Self.passing(annotations: [Self.key: value])], Self.options(enabled: enabled, https: https))
        #expect(table.passthrough.isEmpty != passed)
        #expect(table.diagnostics.filter { $0.field.contains("ssl-passthrough") }.map(\.code) == (diagnostic.map { [$0] } ?? []), "\(table.diagnostics)")
        if !enabled, https {
            #expect(table.diagnostics.contains { $0.message.contains("--enable-ssl-passthrough") })
        }
    }

    @Test func porticoIOWins() {
        let table = Self.route([Self.passing(annotations: [Self.key: "true", "portico.io/ssl-passthrough": "false"])])
        #expect(table.passthrough.isEmpty)
        let other = Self.route([Self.passing(annotations: [Self.key: "false", "portico.io/ssl-passthrough": "true"])])
        #expect(other.passthrough.count == 1)
    }

    @Test func theOldestIngressOfAHostWins() {
        let young = F.ingress(
            "young", created: "2024-02-01T00:00:00Z", annotations: [Self.key: "true"], rules: [F.rule("pass.test", F.path("/", svc: "web"))])
        let old = Self.passing("old", created: "2024-01-01T00:00:00Z")
        for order in [[young, old], [old, young]] {
            let table = Self.route(order)
            #expect(Self.entries(table) == ["pass.test -> tls.default.svc.cluster.local:8443 (old spec.rules[0].http.paths[0])"])
            #expect(table.diagnostics.filter { $0.code == .conflict && $0.field == "spec.rules[0].host" }.map(\.object.name) == ["young"], "\(table.diagnostics)")
        }
    }

    @Test func pathsOtherThanTheRootAreIgnoredAndSaidSo() {
        let table = Self.route([Self.passing(rules: [F.rule("pass.test", F.path("/api", svc: "web"), F.path("/", svc: "tls", port: 8443))])])
        #expect(Self.entries(table) == ["pass.test -> tls.default.svc.cluster.local:8443 (pass spec.rules[0].http.paths[1])"])
        #expect(table.diagnostics.map(\.field) == ["spec.rules[0].http.paths"], "\(table.diagnostics)")
        // /api still serves plain HTTP, to its own Service as it is.
        #expect(table.vhost("pass.test")?.locations.map(\.path) == ["/", "/api"])
    }

    @Test func withoutARootPathTheDefaultBackendElseNothing() {
        let withDefault = F.ingress(
            "d", annotations: [Self.key: "true"], defaultBackend: .service("tls", port: ServiceBackendPort(number: 8443)),
            rules: [IngressRule(host: "pass.test", paths: [])])
        #expect(Self.entries(Self.route([withDefault])) == ["pass.test -> tls.default.svc.cluster.local:8443 (d spec.defaultBackend)"])
        let without = Self.route([Self.passing(rules: [F.rule("pass.test", F.path("/api", svc: "tls", port: 8443))])])
        #expect(without.passthrough.isEmpty)
        #expect(without.diagnostics.contains { $0.field == "spec.rules[0].host" && $0.message.contains("no path /") }, "\(without.diagnostics)")
    }

    @Test func wildcardsRulesWithoutHostAndMissingServicesAreNotPassedThrough() {
        let table = Self.route([
            Self.passing(rules: [
                F.rule("*.wild.test", F.path("/", svc: "tls", port: 8443)), F.rule(nil, F.path("/", svc: "tls", port: 8443)),
                F.rule("gone.test", F.path("/", svc: "gone")),
            ])
        ])
        #expect(table.passthrough.isEmpty)
        let said = table.diagnostics.filter { $0.code == .unsupportedAnnotation }.map(\.field)
        #expect(said == ["spec.rules[0].host", "spec.rules[2].http.paths[0]"], "\(table.diagnostics)")
        // The missing Service is said once, by the route.
        #expect(table.diagnostics.filter { $0.code == .serviceNotFound }.count == 1)
    }

    @Test(arguments: [
        ["nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"],
        ["nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "missing"],
    ])
    func accessControlIsNeverBypassed(annotations: [String: String]) {
        let table = Self.route([Self.passing(annotations: annotations.merging([Self.key: "true"]) { a, _ in a })])
        #expect(table.passthrough.isEmpty)
        #expect(table.diagnostics.contains { $0.code == .accessControlNotHonoured && $0.field.contains("ssl-passthrough") }, "\(table.diagnostics)")
    }

    @Test func httpAnnotationsAreSaidNotToApplyToItsTLS() {
        let table = Self.route([
            Self.passing(annotations: [Self.key: "true", "nginx.ingress.kubernetes.io/proxy-read-timeout": "30", "nginx.ingress.kubernetes.io/ssl-redirect": "false"])
        ])
        #expect(table.passthrough.count == 1)
        let said = table.diagnostics.filter { $0.field == "metadata.annotations" }
        #expect(said.count == 1 && said[0].message.contains("proxy-read-timeout") && !said[0].message.contains("ssl-redirect"), "\(said)")
    }

    @Test func hostileHostsNeverPass() {
        let table = Self.route([Self.passing(rules: [F.rule("a.test;\n}", F.path("/", svc: "tls", port: 8443)), F.rule("ok.test", F.path("/", svc: "tls", port: 8443))])])
        #expect(table.passthrough.map(\.host.name) == ["ok.test"])
    }

    @Test func porticoCheckSaysWhatHappens() {
        for (options, status) in [(Self.options(), MigrationCheck.Status.honoured), (Self.options(enabled: false), .unsupported)] {
            let findings = MigrationCheck.annotations([Self.key: "true"], options: options)
            #expect(findings.map(\.status) == [status])
        }
        #expect(MigrationCheck.annotations([Self.key: "true"], options: Self.options(enabled: false))[0].detail.contains("--enable-ssl-passthrough"))
    }
}

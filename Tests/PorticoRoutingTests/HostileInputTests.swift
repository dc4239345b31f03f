import PorticoModel
import Testing

@testable import PorticoRouting

/// Values that try to break out of their place in nginx.conf are left out, each with a diagnostic
/// naming the object and field, while everything else in the same object keeps its route.
@Suite struct HostileInputTests {
    static let payloads = [
        "/x;} location /etc { alias /etc/; } #", "/a{", "/a}", "/a#b", "/a\"b", "/a'b", "/a\\b", "/a\nreturn 200",
        "/a\rb", "/$host", "/a b", "/a\tb", "/" + String(repeating: "a", count: 5000), "/a\u{0}b", "/caf\u{e9}",
    ]

    @Test(arguments: payloads)
    func hostilePathIsLeftOut(payload: String) {
        let table = Router().route(
            ClusterState(
                ingresses: [F.ingress("i", rules: [F.rule("a.com", F.path(payload), F.path("/good"))])],
                services: [F.service("web")]))
        #expect(table.summary("a.com") == ["^ /good -> web.default.svc.cluster.local:80"])
        #expect(table.diagnostics.count == 1)
        let d = table.diagnostics[0]
        #expect(d.code == .invalidPath)
        #expect(d.field == "spec.rules[0].http.paths[0].path")
        #expect(d.description.hasPrefix("warning: ingress default/i: spec.rules[0].http.paths[0].path: \""))
        #expect(!d.description.contains("\n") && !d.description.contains("\r"))
    }

    @Test(arguments: [
        "a.com;\n  return 200 pwned", "a.com { }", "a.com#", "a..com", "-a.com", "a_b.com", "*.*.a.com", "a.*.com",
        "*", "10.0.0.1", "a.com:80", "\"a.com\"", "a.com\r", String(repeating: "a", count: 64) + ".com",
        String(repeating: "a.", count: 130) + "com", "$host",
    ])
    func hostileHostIsLeftOut(host: String) {
        let table = Router().route(
            ClusterState(
                ingresses: [F.ingress("i", rules: [F.rule(host, F.path("/")), F.rule("good.com", F.path("/"))])],
                services: [F.service("web")]))
        #expect(table.virtualHosts.map(\.host.name) == ["good.com"])
        #expect(table.diagnostics.map(\.code) == [.invalidHost])
        #expect(table.diagnostics.first?.field == "spec.rules[0].host")
    }

    @Test(arguments: ["web;", "Web", "web\n", "1web", "web.x", "w\"b", String(repeating: "w", count: 64)])
    func hostileServiceNameIsLeftOut(name: String) {
        let table = Router().route(
            ClusterState(
                ingresses: [F.ingress("i", rules: [F.rule("a.com", F.path("/bad", svc: name), F.path("/good"))])],
                services: [F.service("web")]))
        #expect(table.summary("a.com") == ["^ /good -> web.default.svc.cluster.local:80"])
        #expect(table.diagnostics.map(\.field) == ["spec.rules[0].http.paths[0].backend.service.name"])
    }

    @Test(arguments: [("de;fault", "i"), ("default", "i;{"), ("default\n", "i"), ("", "i"), ("default", "I")])
    func hostileNamespaceOrNameLeavesTheIngressOut(namespace: String, name: String) {
        let table = Router().route(
            ClusterState(
                ingresses: [
                    F.ingress(name, ns: namespace, rules: [F.rule("bad.com", F.path("/"))]),
                    F.ingress("ok", rules: [F.rule("good.com", F.path("/"))]),
                ], services: [F.service("web")]))
        #expect(table.virtualHosts.map(\.host.name) == ["good.com"])
        #expect(table.diagnostics.map(\.code) == [.invalidName])
        #expect(!table.diagnostics[0].description.contains("\n"))
    }

    @Test func portsOutOfRangeOrAmbiguousAreLeftOut() {
        let both = HTTPIngressPath(
            path: "/both", pathType: "Prefix", backend: .service("web", port: .init(name: "http", number: 80)))
        let table = Router().route(
            ClusterState(
                ingresses: [
                    F.ingress(
                        "i",
                        rules: [
                            F.rule(
                                "a.com", F.path("/zero", port: 0), F.path("/big", port: 70000),
                                F.path("/name", portName: "h;ttp"), both, F.path("/good"))
                        ])
                ], services: [F.service("web")]))
        #expect(table.summary("a.com") == ["^ /good -> web.default.svc.cluster.local:80"])
        #expect(table.diagnostics.count == 4)
        #expect(table.diagnostics.allSatisfy { $0.code == .invalidBackend })
    }

    @Test func annotationsAreValidatedAndSnippetsRefused() {
        let annotations = [
            "portico.io/proxy-read-timeout": "30",
            "portico.io/proxy-send-timeout": "30; include /etc/passwd",
            "portico.io/proxy-body-size": "8m",
            "portico.io/proxy-connect-timeout": "5\n",
            "nginx.ingress.kubernetes.io/configuration-snippet": "location /x { alias /etc/; }",
            "portico.io/server-snippet": "return 200;",
            // The path itself: no rewrite, and nothing to say (ingress-nginx's needsRewrite).
            "portico.io/rewrite-target": "/",
            "example.com/unrelated": "anything {;}",
        ]
        let table = Router().route(
            ClusterState(
                ingresses: [F.ingress("i", annotations: annotations, rules: [F.rule("a.com", F.path("/"))])],
                services: [F.service("web")]))
        let options = table.vhost("a.com")?.locations.first?.options
        #expect(options == ProxyOptions(readTimeoutSeconds: 30, maxBodySize: "8m"))
        #expect(
            table.diagnostics.map(\.code).sorted { $0.rawValue < $1.rawValue } == [
                .invalidAnnotation, .invalidAnnotation, .unsupportedAnnotation, .unsupportedAnnotation,
            ])
        #expect(table.diagnostics.allSatisfy { !$0.description.contains("\n") })
    }

    @Test func tooManyPathsLeaveTheIngressOut() {
        let paths = (0..<1001).map { F.path("/p\($0)") }
        let table = Router().route(
            ClusterState(
                ingresses: [F.ingress("huge", rules: [IngressRule(host: "a.com", paths: paths)])],
                services: [F.service("web")]))
        #expect(table.virtualHosts.isEmpty)
        #expect(table.diagnostics.map(\.code) == [.tooManyPaths])
    }

    @Test func quotingEscapesAndTruncates() {
        #expect(quoted("a\"b\\c\nd\re\u{0}") == #""a\"b\\c\nd\re\u{0}""#)
        #expect(quoted(String(repeating: "x", count: 100)).hasSuffix("…\" (100 bytes)"))
        #expect(quoted("a\u{2028}b") == #""a\u{2028}b""#)
    }
}

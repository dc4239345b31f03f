import Foundation
import Testing

@testable import PorticoCLI

/// `portico explain`: the rules' answer and nginx.conf's, worked out independently, agree for every
/// host and path of the examples, and the output names the rule, backend, settings and lines.
@Suite struct ExplainCommandTests {
    static func example(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/\(name)").path
    }

    @Test func namesTheRuleBackendSettingsAndLines() {
        let out = explainCommand(arguments: ["shop.example.com", "/api/v2/orders", "-f", Self.example("features"), "--disable-ipv6"])
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        #expect(out.config.contains("rule:     ingress demo/shop spec.rules[0].http.paths[2]: Prefix /api/v2"))
        #expect(out.config.contains("backend:  api-v2.demo.svc.cluster.local:8080"))
        #expect(out.config.contains("settings: proxy-read-timeout 120s; proxy-body-size 8m"))
        #expect(out.config.contains(#""/shop.example.com/api/v2" api-v2.demo.svc.cluster.local:8080;"#))
        #expect(out.config.contains("location ~ ^(?<portico_route>/shop\\.example\\.com(?:/api/v2|/static|/api))(?:/|$) {"))
    }

    @Test func namesTheProxySettingsOfIngressNginxAnnotations() {
        let out = explainCommand(
            arguments: ["shop.example.com", "/api/orders", "-f", Self.example("ingress-nginx"), "--controller-class", "k8s.io/ingress-nginx",
                "--disable-ipv6"])
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        #expect(out.config.contains("settings: proxy-buffering off; upstream-vhost api.shop.internal; x-forwarded-prefix /api; access log off\n"), "\(out.config)")
    }

    @Test(arguments: ["features", "echomap"])
    func rulesAndNginxConfAgreeEverywhere(example: String) {
        let hosts = ["shop.example.com", "SHOP.example.com:8080", "reports.example.com", "x.apps.example.com", "a.b.apps.example.com",
            "docs.apps.example.com", "apps.example.com", "foo.bar.com", "bar.baz.com", "nowhere.test"]
        let paths = ["/", "/api", "/api/", "/apis", "/api/v2", "/api/v2/x", "/checkout", "/checkout/", "/static/a", "/ok", "/report/x",
            "/status", "/foo", "/foo/x", "/bar", "/barx"]
        for host in hosts {
            for path in paths {
                let out = explainCommand(arguments: [host, path, "-f", Self.example(example), "--disable-ipv6"])
                #expect(out.exitCode == 0, "\(host)\(path): \(out.diagnostics)\n\(out.config)")
            }
        }
    }

    @Test func refusesAPathWithoutASlashAndNoInput() {
        #expect(explainCommand(arguments: ["a.com", "api", "-f", Self.example("echomap")]).exitCode == 2)
        #expect(explainCommand(arguments: ["a.com", "/"]).diagnostics.first?.contains("no input") == true)
    }
}

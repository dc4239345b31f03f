import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// `permanent-redirect` and `temporal-redirect`, as ingress-nginx reads them.
@Suite struct RedirectAnnotationTests {
    static func route(_ annotations: [String: String], service: Bool = true) -> RoutingTable {
        let ingress = F.ingress("web", annotations: annotations, rules: [F.rule("a.test", F.path("/"), F.path("/api", "Exact"))])
        return Router().route(ClusterState(ingresses: [ingress], services: service ? [F.service("web")] : []))
    }

    @Test(arguments: [
        // (annotations, expected backend of every path, diagnostics)
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://example.com/new"], Backend.redirect(status: 301, url: "https://example.com/new"), 0),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://example.com", "nginx.ingress.kubernetes.io/permanent-redirect-code": "308"],
         .redirect(status: 308, url: "https://example.com"), 0),
        (["portico.io/temporal-redirect": "http://10.0.0.1:8080/x?a=1&b=%20", "portico.io/temporal-redirect-code": "307"],
         .redirect(status: 307, url: "http://10.0.0.1:8080/x?a=1&b=%20"), 0),
        // temporal wins over permanent; a code out of range falls back to the default, with a word.
        (["nginx.ingress.kubernetes.io/temporal-redirect": "https://t.example/", "nginx.ingress.kubernetes.io/permanent-redirect": "https://p.example/",
          "nginx.ingress.kubernetes.io/temporal-redirect-code": "308"], .redirect(status: 302, url: "https://t.example/"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://[2001:db8::1]/"], .redirect(status: 301, url: "https://[2001:db8::1]/"), 0),
        // Not a URL Portico can send: ignored, the Service answers.
        (["nginx.ingress.kubernetes.io/permanent-redirect": "ftp://example.com/"], F.upstream("web"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://$host/x"], F.upstream("web"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example/\"; return 200 \"x"], F.upstream("web"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example/;"], F.upstream("web"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://a b/"], F.upstream("web"), 1),
        (["nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example:99999/"], F.upstream("web"), 1),
    ] as [([String: String], Backend, Int)])
    func redirectsAsIngressNginxReadsThem(annotations: [String: String], backend: Backend, diagnostics: Int) {
        let table = Self.route(annotations)
        let locations = table.vhost("a.test")?.locations ?? []
        #expect(locations.count == 2)
        #expect(locations.allSatisfy { $0.backend == backend }, "\(locations.map(\.backend))")
        #expect(table.diagnostics.count == diagnostics, "\(table.diagnostics)")
        #expect(table.diagnostics.allSatisfy { $0.code == .invalidAnnotation })
    }

    /// A redirect needs no Service: none is looked up, none is missing.
    @Test func aRedirectNeedsNoService() {
        let table = Self.route(["nginx.ingress.kubernetes.io/permanent-redirect": "https://example.com/"], service: false)
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(table.upstreams.isEmpty)
    }

    /// `app-root`: a request for `/` of the Ingress's hosts gets 302 to the app root on the same
    /// scheme and host, instead of any Exact `/` (the first Ingress's app-root decides).
    @Test func appRootAnswersSlashWithARedirect() {
        let old = F.ingress("old", created: "2024-01-01T00:00:00Z", rules: [F.rule("a.test", F.path("/", "Exact"), F.path("/keep"))])
        let app = F.ingress(
            "app", created: "2025-01-01T00:00:00Z", annotations: ["nginx.ingress.kubernetes.io/app-root": "/app1"],
            rules: [F.rule("a.test", F.path("/app1")), F.rule("b.test", F.path("/x"))])
        let later = F.ingress(
            "later", created: "2026-01-01T00:00:00Z", annotations: ["portico.io/app-root": "/other"], rules: [F.rule("b.test", F.path("/y"))])
        let table = Router().route(ClusterState(ingresses: [later, app, old], services: [F.service("web")]))
        let redirect = Backend.redirect(status: 302, url: "$scheme://$http_host/app1")
        #expect(table.summary("a.test") == ["= / -> 302 $scheme://$http_host/app1", "^ /app1 -> web.default.svc.cluster.local:80", "^ /keep -> web.default.svc.cluster.local:80"])
        #expect(table.vhost("b.test")?.locations.first { $0.match == .exact }?.backend == redirect)
        #expect(table.diagnostics.map { "\($0.code.rawValue) \($0.object.name)" } == ["conflict app", "conflict later"], "\(table.diagnostics)")
        for bad in ["/", "app", "/a b", "/$x", "/a;return 200 x", "https://evil.example/"] {
            let t = Router().route(ClusterState(
                ingresses: [F.ingress("w", annotations: ["nginx.ingress.kubernetes.io/app-root": bad], rules: [F.rule("c.test", F.path("/"))])],
                services: [F.service("web")]))
            #expect(t.vhost("c.test")?.locations.count == 1, "\(bad)")
            #expect(t.diagnostics.map(\.code) == [.invalidAnnotation], "\(bad): \(t.diagnostics)")
        }
    }
}

import Foundation
import PorticoTLS
import TestSupport
import Testing

/// HTTPS listeners through real nginx and real TLS clients: each listener's certificate by SNI
/// (an exact hostname, a wildcard of several labels, the hostname-less listener's for unknown
/// names and no SNI), and routes that answer only on the protocol of the listeners they attached
/// to, so that the usual HTTP-to-HTTPS redirect route never takes HTTPS requests. Follows the
/// conformance suite's HTTPRouteHTTPSListener, HTTPRouteRedirectScheme and GatewayWithAttachedRoutes
/// ("an unknown SNI goes to the hostname-less listener").
@Suite("End to end: Gateway API HTTPS listeners", .serialized)
final class GatewayHTTPSEndToEndTests {
    let stage: Stage
    let shop: CertificateBundle
    let apps: CertificateBundle
    let any: CertificateBundle

    init() throws {
        let now = Date()
        shop = try SelfSignedCertificate.generate(commonName: "shop.test", now: now)
        apps = try SelfSignedCertificate.generate(commonName: "apps.test", now: now)
        any = try SelfSignedCertificate.generate(commonName: "any.test", now: now)
        let broken = """
            apiVersion: v1
            kind: Secret
            metadata: {name: broken, namespace: default}
            type: kubernetes.io/tls
            data: {tls.crt: \(Data("not a certificate".utf8).base64EncodedString()), tls.key: \(Data("nor a key".utf8).base64EncodedString())}
            """
        let manifests = [
            HTTPSEndToEndTests.secretYAML("shop-tls", shop), HTTPSEndToEndTests.secretYAML("apps-tls", apps),
            HTTPSEndToEndTests.secretYAML("any-tls", any), broken,
            Manifest.service("v1"), Manifest.service("v2"), Manifest.service("v3"),
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: portico}
            spec: {controllerName: portico.io/gateway-controller}
            """,
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: default}
            spec:
              gatewayClassName: portico
              listeners:
              - {name: http, port: 80, protocol: HTTP}
              - {name: shop, port: 443, protocol: HTTPS, hostname: shop.test, tls: {certificateRefs: [{name: shop-tls}]}}
              - {name: apps, port: 443, protocol: HTTPS, hostname: "*.apps.test", tls: {certificateRefs: [{name: apps-tls}]}}
              - {name: any, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: any-tls}]}}
              - {name: bad, port: 443, protocol: HTTPS, hostname: bad.test, tls: {certificateRefs: [{name: broken}]}}
            """,
        ]
        let routes = [
            // The usual pair: plain HTTP redirected to HTTPS, where the application answers.
            GatewayEndToEndTests.route(
                "to-https", section: "http", hostnames: ["shop.test"],
                rules: "  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]"),
            GatewayEndToEndTests.route("shop", section: "shop", hostnames: ["shop.test"], rules: "  - backendRefs: [{name: v1, port: PORT}]"),
            GatewayEndToEndTests.route("apps", section: "apps", hostnames: [], rules: "  - backendRefs: [{name: v2, port: PORT}]"),
            GatewayEndToEndTests.route("bad", section: "bad", hostnames: [], rules: "  - backendRefs: [{name: v3, port: PORT}]"),
            // Plain HTTP only: the host is chosen by the scheme too, and HTTPS finds nothing.
            GatewayEndToEndTests.route("plain", section: "http", hostnames: ["plain.test"], rules: "  - backendRefs: [{name: v3, port: PORT}]"),
        ]
        stage = try Stage(manifests: manifests.joined(separator: "\n---\n") + "\n---\n" + routes.joined(), services: ["v1", "v2", "v3"], https: true)
    }

    deinit { stage.stop() }

    @Test func eachListenerPresentsItsCertificate() throws {
        let port = try #require(stage.httpsPort)
        for (name, bundle) in [
            ("shop.test", shop), ("x.apps.test", apps), ("a.b.apps.test", apps), ("other.test", any), ("apps.test", any),
            // A listener whose Secret holds no valid certificate: its name gets the hostname-less one.
            ("bad.test", any),
        ] as [(String?, CertificateBundle)] + [(nil, any)] {
            let presented = try HTTPSEndToEndTests.presented(port: port, serverName: name)
            #expect(presented == bundle.leaf.sha256Fingerprint, "\(name ?? "no SNI")\n\(stage.context)")
        }
        #expect(stage.outcome.diagnostics.contains { $0.contains("gateway default/gw") && $0.contains("secret default/broken") }, "\(stage.outcome.diagnostics)")
    }

    @Test func routesAnswerOnTheirListenersProtocolOnly() throws {
        let port = try #require(stage.httpsPort)
        func https(_ host: String, _ path: String) throws -> String {
            try HTTPSEndToEndTests.curl(["--resolve", "\(host):\(port):127.0.0.1", "-o", "/dev/null", "-D", "-", "https://\(host):\(port)\(path)"])
                .lowercased()
        }
        // Plain HTTP: the redirect route, and nothing for the HTTPS-only routes.
        let plain = try stage.request("/cart?x=1", host: "shop.test")
        #expect(plain.status == 301, "\(plain.status)\n\(stage.context)")
        #expect(plain.header("Location") == "https://shop.test/cart?x=1")
        #expect(try stage.who("a.apps.test", "/") == "404")
        #expect(try stage.who("plain.test", "/x") == "v3")
        let plainOverHTTPS = try https("plain.test", "/x")
        #expect(plainOverHTTPS.split(separator: "\n").first?.split(separator: " ").dropFirst().first == "404", "\(plainOverHTTPS)")
        // HTTPS: the application, never the redirect.
        let secure = try https("shop.test", "/cart")
        #expect(secure.contains("x-echo-backend: v1"), "\(secure)\n\(stage.context)")
        #expect(try https("a.b.apps.test", "/x").contains("x-echo-backend: v2"))
        #expect(try https("bad.test", "/x").contains("x-echo-backend: v3"))
    }
}

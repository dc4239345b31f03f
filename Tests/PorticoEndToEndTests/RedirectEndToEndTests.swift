import Foundation
import TestSupport
import Testing

/// `permanent-redirect` / `temporal-redirect` through real nginx: the status and the exact
/// `Location`, for every method and path of the Ingress; a URL that is not one is ignored and the
/// Service answers.
@Suite("End to end: redirect annotations", .serialized)
final class RedirectEndToEndTests {
    let stage: Stage

    init() throws {
        stage = try Stage(
            manifests: """
                apiVersion: v1
                kind: Service
                metadata: {name: app, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: moved
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/permanent-redirect: "https://new.example/landing?from=old&x=%2F"
                    nginx.ingress.kubernetes.io/permanent-redirect-code: "308"
                spec:
                  rules:
                  - host: old.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: gone, port: {number: 80}}}}
                      - {path: /exact, pathType: Exact, backend: {service: {name: app, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: temporary
                  namespace: default
                  annotations:
                    portico.io/temporal-redirect: "http://127.0.0.1:1/maintenance"
                spec:
                  rules:
                  - host: temp.test
                    http:
                      paths:
                      - {path: /shop, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: rooted
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/app-root: /app1
                spec:
                  rules:
                  - host: root.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: broken
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/permanent-redirect: "https://$host/pwned"
                spec:
                  rules:
                  - host: broken.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}

                """,
            services: ["app"])
    }

    deinit { stage.stop() }

    @Test func redirectsAnswerWithTheirStatusAndExactLocation() throws {
        for (method, target) in [("GET", "/"), ("POST", "/deep/path?q=1"), ("GET", "/exact")] {
            let response = try stage.request(target, host: "old.test", method: method, body: method == "POST" ? Data("x".utf8) : nil)
            #expect(response.status == 308, "\(method) \(target): \(response.status)\n\(stage.context)")
            #expect(response.header("Location") == "https://new.example/landing?from=old&x=%2F", "\(response.headers)")
            #expect(response.backend == nil)
        }
        let temporary = try stage.request("/shop/cart", host: "temp.test")
        #expect(temporary.status == 302)
        #expect(temporary.header("Location") == "http://127.0.0.1:1/maintenance")
        // Outside the Ingress's paths: no redirect.
        #expect(try stage.who("temp.test", "/elsewhere") == "404")

        // The URL with a variable was refused: the Service answers, the path unchanged.
        #expect(try stage.who("broken.test", "/pwned") == "app")
        #expect(stage.diagnostics.contains { $0.hasPrefix("warning: ingress default/broken: metadata.annotations[\"nginx.ingress.kubernetes.io/permanent-redirect\"]") },
            "\(stage.diagnostics)")
        #expect(!stage.config.contains("$host/pwned"))
    }

    /// `app-root`: `/` (with or without a query) answers 302 to the app root on the client's own
    /// scheme and Host; every other path reaches the Service.
    @Test func appRootSendsSlashToTheApplication() throws {
        for target in ["/", "/?a=1"] {
            let response = try stage.request(target, host: "root.test:\(stage.httpPort)")
            #expect(response.status == 302, "\(target): \(response.status)\n\(stage.context)")
            #expect(response.header("Location") == "http://root.test:\(stage.httpPort)/app1")
        }
        #expect(try stage.who("root.test", "/app1") == "app")
        #expect(try stage.who("root.test", "/other/x") == "app")
    }
}

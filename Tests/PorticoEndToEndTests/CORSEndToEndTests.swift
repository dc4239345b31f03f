import Foundation
import TestSupport
import Testing

/// `enable-cors` through real nginx, with ingress-nginx's semantics: the default origin `*` answers
/// every response (a backend's 401 included) with `Access-Control-Allow-Origin: *` and credentials;
/// listed origins are answered as sent, a `*.` label stands for exactly one label and ports must
/// match; a preflight from an allowed origin gets 204 from nginx, any other reaches the backend;
/// hostile values are refused and the defaults apply.
@Suite("End to end: enable-cors", .serialized)
final class CORSEndToEndTests {
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
                  name: open
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/enable-cors: "true"
                spec:
                  rules:
                  - host: open.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: listed
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/enable-cors: "true"
                    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example, https://*.apps.example:8443, app.example, null"
                    nginx.ingress.kubernetes.io/cors-allow-methods: "GET, POST"
                    nginx.ingress.kubernetes.io/cors-allow-headers: "X-Token,Content-Type"
                    nginx.ingress.kubernetes.io/cors-expose-headers: "X-Total"
                    nginx.ingress.kubernetes.io/cors-allow-credentials: "false"
                    nginx.ingress.kubernetes.io/cors-max-age: "600"
                spec:
                  rules:
                  - host: listed.test
                    http:
                      paths:
                      - {path: /api, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: hostile
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/enable-cors: "true"
                    nginx.ingress.kubernetes.io/cors-allow-origin: "https://ok.example, https://x.example\\"; return 200 \\"pwned"
                    nginx.ingress.kubernetes.io/cors-allow-methods: "GET; add_header X-Pwned 1"
                    nginx.ingress.kubernetes.io/cors-allow-headers: "$http_cookie"
                    nginx.ingress.kubernetes.io/cors-max-age: "10s"
                spec:
                  rules:
                  - host: hostile.test
                    http:
                      paths:
                      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}

                """,
            services: ["app"])
    }

    deinit { stage.stop() }

    func get(_ host: String, _ target: String, origin: String?, method: String = "GET") throws -> HTTPResponse {
        var headers: [(String, String)] = []
        if let origin { headers.append(("Origin", origin)) }
        if method == "OPTIONS" { headers.append(("Access-Control-Request-Method", "POST")) }
        return try stage.request(target, host: host, method: method, headers: headers)
    }

    @Test func theDefaultOriginAnswersEveryResponseWithStar() throws {
        for (target, status) in [("/x", 200), ("/private?echo-status=401", 401), ("/gone?echo-status=503", 503)] {
            for origin in ["https://anyone.example", nil] {
                let r = try get("open.test", target, origin: origin)
                #expect(r.status == status && r.backend == "app", "\(target): \(r.status)\n\(stage.context)")
                #expect(r.header("Access-Control-Allow-Origin") == "*", "\(target) \(origin ?? "-"): \(r.headers)")
                #expect(r.header("Access-Control-Allow-Credentials") == "true")
                #expect(r.header("Access-Control-Allow-Methods") == "GET, PUT, POST, DELETE, PATCH, OPTIONS")
                #expect(r.header("Access-Control-Allow-Headers")?.hasPrefix("DNT,Keep-Alive,User-Agent") == true)
                #expect(r.header("Access-Control-Max-Age") == "1728000")
                #expect(r.header("Access-Control-Expose-Headers") == nil)
            }
        }
        // A preflight is nginx's own answer, with the headers.
        let preflight = try get("open.test", "/x", origin: "https://anyone.example", method: "OPTIONS")
        #expect(preflight.status == 204 && preflight.backend == nil, "\(preflight.status) \(preflight.headers)")
        #expect(preflight.header("Access-Control-Allow-Origin") == "*")
    }

    @Test func listedOriginsAreAnsweredAsSentAndOthersNot() throws {
        for origin in ["https://app.example", "https://a1.apps.example:8443", "https://APP.example", "null"] {
            let r = try get("listed.test", "/api/x", origin: origin)
            #expect(r.backend == "app" && r.header("Access-Control-Allow-Origin") == origin, "\(origin): \(r.headers)\n\(stage.context)")
            #expect(r.header("Access-Control-Allow-Methods") == "GET, POST")
            #expect(r.header("Access-Control-Allow-Headers") == "X-Token,Content-Type")
            #expect(r.header("Access-Control-Expose-Headers") == "X-Total")
            #expect(r.header("Access-Control-Max-Age") == "600")
            #expect(r.header("Access-Control-Allow-Credentials") == nil, "cors-allow-credentials: false")
            let preflight = try get("listed.test", "/api/x", origin: origin, method: "OPTIONS")
            #expect(preflight.status == 204 && preflight.backend == nil, "\(origin)")
        }
        // Two labels for `*.`, another port, another scheme, a suffix, none: no CORS headers at all,
        // and a preflight from there reaches the backend.
        for origin in ["https://a.b.apps.example:8443", "https://a1.apps.example", "http://app.example", "https://app.example.evil", "https://evil.app.example", nil] {
            let r = try get("listed.test", "/api/x", origin: origin)
            #expect(r.backend == "app")
            #expect(r.headers.allSatisfy { !$0.0.lowercased().hasPrefix("access-control-") }, "\(origin ?? "-"): \(r.headers)")
            let preflight = try get("listed.test", "/api/x", origin: origin, method: "OPTIONS")
            #expect(preflight.backend == "app", "\(origin ?? "-"): \(preflight.status)")
        }
        // The origin without a scheme was dropped, with a diagnostic.
        #expect(stage.diagnostics.contains { $0.contains("ingress default/listed") && $0.contains("\"app.example\" is not an origin") }, "\(stage.diagnostics)")
    }

    @Test func hostileValuesAreRefusedAndTheDefaultsApply() throws {
        let r = try get("hostile.test", "/", origin: "https://ok.example")
        #expect(r.backend == "app" && r.header("Access-Control-Allow-Origin") == "https://ok.example", "\(r.headers)")
        #expect(r.header("Access-Control-Allow-Methods") == "GET, PUT, POST, DELETE, PATCH, OPTIONS")
        #expect(r.header("Access-Control-Max-Age") == "1728000")
        #expect(r.header("X-Pwned") == nil)
        #expect(try get("hostile.test", "/", origin: "https://x.example").header("Access-Control-Allow-Origin") == nil)
        #expect(!stage.config.contains("pwned") && !stage.config.contains("X-Pwned") && !stage.config.contains("$http_cookie"))
        let hostile = stage.diagnostics.filter { $0.contains("ingress default/hostile") }
        #expect(hostile.count == 4, "\(hostile)")
    }
}

import Foundation
import TestSupport
import Testing

/// `use-regex` and `rewrite-target` through real nginx, with ingress-nginx's own documented
/// examples (docs/user-guide/ingress-path-matching.md and the rewrite example): which backend
/// answers and what path it receives; a host without either keeps the Ingress specification's
/// matching; hostile values are refused while the rest serves.
@Suite("End to end: use-regex and rewrite-target", .serialized)
final class RegexEndToEndTests {
    let stage: Stage

    init() throws {
        stage = try Stage(
            manifests: """
                apiVersion: v1
                kind: Service
                metadata: {name: service1, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: service2, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: service3, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: http-svc, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: test-ingress-1, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}
                spec:
                  rules:
                  - host: test.com
                    http:
                      paths:
                      - {path: /foo/bar, pathType: Prefix, backend: {service: {name: service1, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: test-ingress-2
                  namespace: default
                  creationTimestamp: "2026-01-02T00:00:00Z"
                  annotations:
                    nginx.ingress.kubernetes.io/rewrite-target: /$1
                spec:
                  rules:
                  - host: test.com
                    http:
                      paths:
                      - {path: "/foo/bar/(.+)", pathType: ImplementationSpecific, backend: {service: {name: service3, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: test-ingress-3
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/use-regex: "true"
                spec:
                  rules:
                  - host: warning.test
                    http:
                      paths:
                      - {path: /foo/bar/bar, pathType: Prefix, backend: {service: {name: service1, port: {number: PORT}}}}
                      - {path: "/foo/bar/[A-Z0-9]{3}", pathType: ImplementationSpecific, backend: {service: {name: service2, port: {number: PORT}}}}
                      - {path: "/broken(", pathType: ImplementationSpecific, backend: {service: {name: service2, port: {number: PORT}}}}
                      - {path: "/quote\\"x", pathType: ImplementationSpecific, backend: {service: {name: service2, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: rewrite
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/use-regex: "true"
                    nginx.ingress.kubernetes.io/rewrite-target: /$2
                spec:
                  rules:
                  - host: rewrite.bar.com
                    http:
                      paths:
                      - {path: "/something(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: http-svc, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: hostile
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/rewrite-target: "/x; return 200 pwned"
                spec:
                  rules:
                  - host: hostile.test
                    http:
                      paths:
                      - {path: /app, pathType: Prefix, backend: {service: {name: http-svc, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: variable
                  namespace: default
                  annotations:
                    nginx.ingress.kubernetes.io/rewrite-target: "/$host/$1"
                spec:
                  rules:
                  - host: variable.test
                    http:
                      paths:
                      - {path: /app, pathType: Prefix, backend: {service: {name: http-svc, port: {number: PORT}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: plain, namespace: default}
                spec:
                  rules:
                  - host: plain.test
                    http:
                      paths:
                      - {path: /foo, pathType: Prefix, backend: {service: {name: service1, port: {number: PORT}}}}

                """,
            services: ["service1", "service2", "service3", "http-svc"])
    }

    deinit { stage.stop() }

    /// Who answered, and the path and query it received.
    func served(_ host: String, _ target: String) throws -> (backend: String, target: String) {
        let response = try stage.request(target, host: host)
        guard response.backend != nil else { return ("\(response.status)", "") }
        let echo = try response.echo()
        return (echo.backend, echo.path + (echo.query.isEmpty ? "" : "?" + echo.query))
    }

    /// The path-priority example: longest first, case-insensitive, from the start of the path only;
    /// test-ingress-2's rewrite applies to its own path, and its annotation makes test-ingress-1's
    /// Prefix path a regex too (so it takes /foo/barbaz, as ingress-nginx did).
    @Test func pathPriorityAsIngressNginxDocumentsIt() throws {
        let cases: [(String, String, String)] = [
            ("/foo/bar/1", "service3", "/1"),
            ("/FOO/Bar/abc?x=1", "service3", "/abc?x=1"),
            ("/foo/bar/", "service1", "/foo/bar/"),
            ("/foo/bar", "service1", "/foo/bar"),
            ("/foo/barbaz", "service1", "/foo/barbaz"),
            ("/Foo/BAR", "service1", "/Foo/BAR"),
        ]
        for (target, backend, received) in cases {
            let got = try served("test.com", target)
            #expect(got.backend == backend && got.target == received, "\(target): \(got)\n\(stage.context)")
        }
        #expect(try served("test.com", "/foo").backend == "404")
        #expect(try served("test.com", "/x/foo/bar").backend == "404", "anchored at the start")
    }

    /// The documented warning: the first regex that matches wins, not the longest literal.
    @Test func firstMatchingRegexWinsAsTheWarningSays() throws {
        #expect(try served("warning.test", "/foo/bar/bar").backend == "service2")
        #expect(try served("warning.test", "/foo/bar/b4z/more").backend == "service2")
        #expect(try served("warning.test", "/foo/bar/bar-x").backend == "service2")
        #expect(try served("warning.test", "/foo/bar/ba").backend == "404")
        // The two paths that are not regexes PCRE compiles, or hold a quote, are left out alone.
        let left = stage.diagnostics.filter { $0.contains("ingress default/test-ingress-3") }
        #expect(left.count == 2, "\(stage.diagnostics)")
        #expect(left.contains { $0.contains("paths[2].path") && $0.contains("PCRE") })
        #expect(left.contains { $0.contains("paths[3].path") && $0.contains("not allowed in a regex path") })
    }

    /// ingress-nginx's rewrite example: `/something(/|$)(.*)` with `/$2`.
    @Test func rewriteTargetSendsTheRewrittenPathAndTheQuery() throws {
        let cases: [(String, String)] = [
            ("/something", "/"), ("/something/", "/"), ("/something/new", "/new"), ("/something/new/x%20y?a=1&b=2", "/new/x%20y?a=1&b=2"),
            ("/SOMETHING/Case", "/Case"),
        ]
        for (target, received) in cases {
            let got = try served("rewrite.bar.com", target)
            #expect(got.backend == "http-svc" && got.target == received, "\(target): \(got)\n\(stage.context)")
        }
        // `(/|$)` needs a slash or the end after /something.
        #expect(try served("rewrite.bar.com", "/somethingelse").backend == "404")
    }

    /// A target that would add a directive, or name an nginx variable, is refused: no rewrite, the
    /// path reaches the Service as sent, the host keeps Prefix matching, and nothing reaches nginx.conf.
    @Test func hostileTargetsAreRefusedAndThePathsStillServe() throws {
        for host in ["hostile.test", "variable.test"] {
            let got = try served(host, "/app/page?q=1")
            #expect(got.backend == "http-svc" && got.target == "/app/page?q=1", "\(host): \(got)")
            #expect(try served(host, "/application").backend == "404", "\(host) keeps segment matching")
        }
        #expect(!stage.config.contains("pwned") && !stage.config.contains("$host/"))
        #expect(stage.diagnostics.contains { $0.contains("ingress default/hostile") && $0.contains("rewrite-target") })
        #expect(stage.diagnostics.contains { $0.contains("ingress default/variable") && $0.contains("nginx variables are not allowed") })
    }

    /// A host where no Ingress sets either keeps the Ingress specification's matching.
    @Test func otherHostsKeepSpecificationMatching() throws {
        #expect(try stage.who("plain.test", "/foo/x") == "service1")
        #expect(try stage.who("plain.test", "/foobar") == "404")
        #expect(try stage.who("plain.test", "/FOO") == "404")
    }
}

import Foundation
import TestSupport
import Testing

/// HTTPRoutes through real nginx with real backends: the routing, filter and backend cases of
/// the Gateway API conformance suite (`kubernetes-sigs/gateway-api`, `conformance/tests/`) that
/// need no Pods, each test naming the upstream test it follows.
@Suite("End to end: Gateway API HTTPRoutes", .serialized)
final class GatewayEndToEndTests {
    let stage: Stage

    static let gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: portico}
        spec: {controllerName: portico.io/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: default}
        spec:
          gatewayClassName: portico
          listeners:
          - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
          - {name: wild, port: 80, protocol: HTTP, hostname: "*.wild.test"}
          - {name: exact, port: 80, protocol: HTTP, hostname: "very.wild.test"}
        ---

        """

    static func route(_ name: String, namespace: String = "default", section: String = "http", hostnames: [String], created: String? = nil, rules: String)
        -> String
    {
        let stamp = created.map { ", creationTimestamp: \"\($0)\"" } ?? ""
        return """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: \(name), namespace: \(namespace)\(stamp)}
            spec:
              parentRefs: [{name: gw, namespace: default, sectionName: \(section)}]
              hostnames: [\(hostnames.map { "\"\($0)\"" }.joined(separator: ", "))]
              rules:
            \(rules)
            ---

            """
    }

    init() throws {
        let services = ["v1", "v2", "v3", "other"].map(Manifest.service).joined(separator: "---\n") + "---\n"
            + "apiVersion: v1\nkind: Service\nmetadata: {name: granted, namespace: elsewhere}\nspec: {ports: [{port: PORT}]}\n---\n"
            + "apiVersion: v1\nkind: Service\nmetadata: {name: private, namespace: elsewhere}\nspec: {ports: [{port: PORT}]}\n---\n"
        let grant = """
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: grant, namespace: elsewhere}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
              to: [{group: "", kind: Service, name: granted}]
            ---

            """
        let routes = [
            // HTTPRouteMatching, HTTPRoutePathMatchOrder, HTTPRouteExactPathMatching, HTTPRouteMethodMatching,
            // HTTPRouteHeaderMatching, HTTPRouteQueryParamMatching, HTTPRouteMatchingAcrossRoutes.
            Self.route(
                "match", hostnames: ["match.test"], created: "2026-01-01T00:00:00Z",
                rules: """
                  - matches: [{path: {type: PathPrefix, value: /}}]
                    backendRefs: [{name: v1, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /v2}}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /match/}}]
                    backendRefs: [{name: v3, port: PORT}]
                  - matches: [{path: {type: Exact, value: /v2/exact}}]
                    backendRefs: [{name: other, port: PORT}]
                  - matches: [{path: {type: Exact, value: /deep}}]
                    backendRefs: [{name: other, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /deep}}]
                    backendRefs: [{name: v3, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /deep/er}}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: X-Version, value: Two}]}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /api/long}, headers: [{name: X-Version, value: Three}]}]
                    backendRefs: [{name: v3, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /get}, method: GET}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /query}, queryParams: [{name: animal, value: whale}]}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /regex}, headers: [{name: X-Id, type: RegularExpression, value: "^[0-9]+$"}]}]
                    backendRefs: [{name: v3, port: PORT}]
                  - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]
                    backendRefs: [{name: v2, port: PORT}]
                  - matches: [{path: {type: RegularExpression, value: "/v2/[0-9]+"}}]
                    backendRefs: [{name: v3, port: PORT}]
                """),
            Self.route(
                "match-newer", hostnames: ["match.test"], created: "2026-02-01T00:00:00Z",
                rules: """
                  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: X-Version, value: Two}]}]
                    backendRefs: [{name: other, port: PORT}]
                """),
            // HTTPRouteRequestHeaderModifier, HTTPRouteResponseHeaderModification.
            Self.route(
                "headers", hostnames: ["headers.test"],
                rules: """
                  - filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set: [{name: X-Header-Set, value: set-overwrites-values}, {name: X-Dollar, value: "a$b"}]
                        add: [{name: X-Header-Add, value: add-appends-values}]
                        remove: [X-Header-Remove]
                    - type: ResponseHeaderModifier
                      responseHeaderModifier:
                        set: [{name: X-Echo-Backend-Extra, value: response-set}]
                        add: [{name: X-Response-Add, value: response-added}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
            // The same filters with other values: one named location for both, each its own values.
            Self.route(
                "headers-too", hostnames: ["headers-too.test"],
                rules: """
                  - filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier:
                        set: [{name: X-Header-Set, value: second-route}, {name: X-Dollar, value: "$second"}]
                        add: [{name: X-Header-Add, value: second-added}]
                        remove: [X-Header-Remove]
                    - type: ResponseHeaderModifier
                      responseHeaderModifier:
                        set: [{name: X-Echo-Backend-Extra, value: second-response}]
                        add: [{name: X-Response-Add, value: second-response-added}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
            // HTTPRouteRedirectScheme, HTTPRouteRedirectHostAndStatus, HTTPRouteRedirectPath, HTTPRouteRedirectPort.
            Self.route(
                "redirect", hostnames: ["redirect.test"],
                rules: """
                  - matches: [{path: {type: PathPrefix, value: /scheme}}]
                    filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
                  - matches: [{path: {type: PathPrefix, value: /host}}]
                    filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org, statusCode: 301}}]
                  - matches: [{path: {type: PathPrefix, value: /full}}]
                    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /full-path-replacement}}}]
                  - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
                    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}}]
                  - matches: [{path: {type: PathPrefix, value: /strip}}]
                    filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
                  - matches: [{path: {type: PathPrefix, value: /port}}]
                    filters: [{type: RequestRedirect, requestRedirect: {port: 8083}}]
                """),
            // HTTPRouteRewritePath, HTTPRouteRewriteHost.
            Self.route(
                "rewrite", hostnames: ["rewrite.test"],
                rules: """
                  - matches: [{path: {type: PathPrefix, value: /prefix/one}}]
                    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /one}}}]
                    backendRefs: [{name: v1, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /strip-prefix}}]
                    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]
                    backendRefs: [{name: v1, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /full}}]
                    filters: [{type: URLRewrite, urlRewrite: {hostname: rewritten.example, path: {type: ReplaceFullPath, replaceFullPath: /one}}}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
            // HTTPRouteWeight; HTTPRouteInvalidNonExistentBackendRef, HTTPRouteInvalidBackendRefUnknownKind,
            // HTTPRouteInvalidCrossNamespaceBackendRef, HTTPRouteCrossNamespace (with a ReferenceGrant).
            Self.route(
                "backends", hostnames: ["backends.test"],
                rules: """
                  - matches: [{path: {type: PathPrefix, value: /weighted}}]
                    backendRefs: [{name: v1, port: PORT, weight: 70}, {name: v2, port: PORT, weight: 30}, {name: v3, port: PORT, weight: 0}]
                  - matches: [{path: {type: PathPrefix, value: /missing}}]
                    backendRefs: [{name: nothere, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /kind}}]
                    backendRefs: [{group: example.com, kind: Bucket, name: v1, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /private}}]
                    backendRefs: [{name: private, namespace: elsewhere, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /granted}}]
                    backendRefs: [{name: granted, namespace: elsewhere, port: PORT}]
                  - matches: [{path: {type: PathPrefix, value: /empty}}]
                  - backendRefs: [{name: v1, port: PORT}]
                """),
            // HTTPRouteListenerHostnameMatching, HTTPRouteHostnameIntersection.
            Self.route("wild", section: "wild", hostnames: [], rules: "  - backendRefs: [{name: v2, port: PORT}]"),
            Self.route("very", section: "exact", hostnames: [], rules: "  - backendRefs: [{name: v3, port: PORT}]"),
            // An Ingress keeps its host; the route's other host is served.
            Self.route("shared", hostnames: ["ingress.test", "own.test"], rules: "  - backendRefs: [{name: v2, port: PORT}]"),
            // Hostile values: the route is not accepted and serves nothing; the rest serves.
            Self.route(
                "hostile", hostnames: ["hostile.test"],
                rules: """
                  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: "x\\"; return 200 pwned; #"}]}}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
            Self.route(
                "hostile-newline", hostnames: ["hostile-newline.test"],
                rules: """
                  - filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: "x\\n}\\nreturn 200 pwned;"}]}}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
            Self.route(
                "hostile-path", hostnames: ["hostile-path.test"],
                rules: """
                  - matches: [{path: {type: PathPrefix, value: "/a;return 200 pwned"}}]
                    backendRefs: [{name: v1, port: PORT}]
                """),
        ]
        stage = try Stage(
            manifests: services + Self.gateway + grant + routes.joined() + Manifest.ingress("ingress", host: "ingress.test", service: "other"),
            services: ["v1", "v2", "v3", "other", "elsewhere/granted", "elsewhere/private"])
    }

    deinit { stage.stop() }

    /// HTTPRouteMatching, HTTPRoutePathMatchOrder, HTTPRouteExactPathMatching: whole segments,
    /// Exact before any prefix, the longest prefix first.
    @Test func pathsMatchWholeSegmentsExactFirstLongestFirst() throws {
        for (path, backend) in [
            ("/", "v1"), ("/v2", "v2"), ("/v2/", "v2"), ("/v2/x", "v2"), ("/v2example", "v1"), ("/match", "v3"), ("/match/", "v3"),
            ("/match/x", "v3"), ("/matchx", "v1"), ("/v2/exact", "other"), ("/v2/exact/x", "v2"),
            // A prefix with an Exact path of its own, and a longer prefix below it.
            ("/deep", "other"), ("/deep/x", "v3"), ("/deep/er", "v2"), ("/deep/er/x", "v2"), ("/deep/erx", "v3"), ("/deepx", "v1"),
        ] {
            #expect(try stage.who("match.test", path) == backend, "\(path)\n\(stage.context)")
        }
    }

    /// HTTPRoutePathMatchOrder's regular expressions (implementation-specific): a whole-path PCRE
    /// match, after Exact paths and every prefix but `/`.
    @Test func regularExpressionPaths() throws {
        for (path, backend) in [("/items/123", "v2"), ("/items/abc", "v1"), ("/items/1/x", "v1"), ("/Items/1", "v1"), ("/v2/5", "v2")] {
            #expect(try stage.who("match.test", path) == backend, "\(path)")
        }
    }

    /// HTTPRouteHeaderMatching, HTTPRouteMatchingAcrossRoutes: a match whose header fails leaves
    /// the request to the shorter prefix; of two equal matches, the older route wins.
    @Test func headersMatchAndFailingOnesFallThrough() throws {
        func who(_ path: String, _ headers: [(String, String)]) throws -> String? {
            try stage.request(path, host: "match.test", headers: headers).backend
        }
        #expect(try who("/api", [("X-Version", "Two")]) == "v2")
        #expect(try who("/api", [("x-version", "Two")]) == "v2")
        #expect(try who("/api", [("X-Version", "two")]) == "v1")
        #expect(try who("/api", []) == "v1")
        #expect(try who("/api/long", [("X-Version", "Three")]) == "v3")
        #expect(try who("/api/long", [("X-Version", "Two")]) == "v2")
        #expect(try who("/regex", [("X-Id", "123")]) == "v3")
        #expect(try who("/regex", [("X-Id", "12a")]) == "v1")
    }

    /// HTTPRouteMethodMatching (a GET match does not take HEAD), HTTPRouteQueryParamMatching
    /// (names case-sensitive, values exact).
    @Test func methodsAndQueryParameters() throws {
        #expect(try stage.request("/get", host: "match.test").backend == "v2")
        #expect(try stage.request("/get", host: "match.test", method: "HEAD").backend == "v1")
        #expect(try stage.request("/get", host: "match.test", method: "POST").backend == "v1")
        #expect(try stage.request("/query?animal=whale", host: "match.test").backend == "v2")
        #expect(try stage.request("/query?x=1&animal=whale", host: "match.test").backend == "v2")
        #expect(try stage.request("/query?Animal=whale", host: "match.test").backend == "v1")
        #expect(try stage.request("/query?animal=whales", host: "match.test").backend == "v1")
    }

    /// HTTPRouteRequestHeaderModifier, HTTPRouteResponseHeaderModification; the backend gets the
    /// client's Host header, port included.
    @Test func headerFilters() throws {
        let response = try stage.request(
            "/x", host: "headers.test:1234",
            headers: [("X-Header-Set", "old"), ("X-Header-Add", "something"), ("X-Header-Remove", "gone")])
        #expect(response.status == 200, "\(stage.context)")
        let echo = try response.echo()
        #expect(echo.header("x-header-set") == "set-overwrites-values")
        #expect(echo.header("x-dollar") == "a$b")
        #expect(echo.header("x-header-add") == "something,add-appends-values")
        #expect(echo.header("x-header-remove") == nil)
        #expect(echo.header("host") == "headers.test:1234")
        #expect(response.header("X-Echo-Backend-Extra") == "response-set")
        #expect(response.header("X-Response-Add") == "response-added")
        let alone = try stage.request("/x", host: "headers.test").echo()
        #expect(alone.header("x-header-add") == "add-appends-values")

        // Another route with the same filters shares the named location, with values of its own.
        let sharing = stage.config.components(separatedBy: "\n").filter { $0.contains("proxy_set_header X-Header-Set ") }
        #expect(sharing.count == 1, "\(sharing)")
        let second = try stage.request("/x", host: "headers-too.test", headers: [("X-Header-Add", "first"), ("X-Header-Remove", "gone")])
        #expect(second.status == 200, "\(stage.context)")
        let secondEcho = try second.echo()
        #expect(secondEcho.header("x-header-set") == "second-route")
        #expect(secondEcho.header("x-dollar") == "$second")
        #expect(secondEcho.header("x-header-add") == "first,second-added")
        #expect(secondEcho.header("x-header-remove") == nil)
        #expect(second.header("X-Echo-Backend-Extra") == "second-response")
        #expect(second.header("X-Response-Add") == "second-response-added")
        let headersAgain = try stage.request("/x", host: "headers.test")
        #expect(headersAgain.header("X-Echo-Backend-Extra") == "response-set")
    }

    /// HTTPRouteRedirectScheme, HTTPRouteRedirectHostAndStatus, HTTPRouteRedirectPath,
    /// HTTPRouteRedirectPort: an explicit https gets no port; `/` as the prefix never makes `//`.
    @Test func redirects() throws {
        for (path, status, location) in [
            ("/scheme", 302, "https://redirect.test/scheme"), ("/host/a?q=1", 301, "http://example.org/host/a?q=1"),
            ("/full/x?q=1", 302, "http://redirect.test/full-path-replacement?q=1"), ("/prefix/one/two", 302, "http://redirect.test/one/two"),
            ("/prefix/one", 302, "http://redirect.test/one"), ("/strip/x", 302, "http://redirect.test/x"), ("/strip", 302, "http://redirect.test/"),
            ("/port", 302, "http://redirect.test:8083/port"),
        ] {
            let response = try stage.request(path, host: "redirect.test")
            #expect(response.status == status, "\(path): \(response.status)")
            #expect(response.header("Location") == location, "\(path)")
        }
    }

    /// HTTPRouteRewritePath, HTTPRouteRewriteHost.
    @Test func rewrites() throws {
        for (path, received) in [
            ("/prefix/one/two", "/one/two"), ("/prefix/one", "/one"), ("/strip-prefix/three", "/three"), ("/strip-prefix", "/"),
        ] {
            let echo = try stage.request(path, host: "rewrite.test").echo()
            #expect(echo.path == received, "\(path)")
            #expect(echo.header("host") == "rewrite.test")
        }
        let full = try stage.request("/full/a/b?x=1", host: "rewrite.test").echo()
        #expect(full.path == "/one" && full.query == "x=1")
        #expect(full.header("host") == "rewritten.example")
    }

    /// HTTPRouteWeight: shares by weight, weight 0 never; invalid backends answer 500 for their
    /// rule only; a ReferenceGrant lets a route reach another namespace's Service.
    @Test func backends() throws {
        var counts: [String: Int] = [:]
        for _ in 0..<200 { counts[try stage.request("/weighted", host: "backends.test").backend ?? "none", default: 0] += 1 }
        #expect(counts["v3"] == nil && counts["none"] == nil, "\(counts)")
        #expect((110...170).contains(counts["v1"] ?? 0), "\(counts)")
        for path in ["/missing", "/kind", "/private", "/empty"] {
            #expect(try stage.request(path, host: "backends.test").status == 500, "\(path)")
        }
        #expect(try stage.who("backends.test", "/granted") == "granted")
        #expect(try stage.who("backends.test", "/other") == "v1")
    }

    /// HTTPRouteListenerHostnameMatching, HTTPRouteHostnameIntersection: a wildcard takes one
    /// label or more but never the bare domain; the most specific listener takes its host.
    @Test func hostnames() throws {
        #expect(try stage.who("a.wild.test", "/x") == "v2")
        #expect(try stage.who("a.b.wild.test", "/x") == "v2")
        #expect(try stage.who("very.wild.test", "/x") == "v3")
        #expect(try stage.who("wild.test", "/x") == "404")
        #expect(try stage.who("unknown.test", "/x") == "404")
    }

    @Test func anIngressKeepsItsHostAndHostileRoutesServeNothing() throws {
        #expect(try stage.who("ingress.test", "/x") == "other")
        #expect(try stage.who("own.test", "/x") == "v2")
        #expect(stage.diagnostics.contains { $0.contains("httproute default/shared") && $0.contains("served by Ingresses") }, "\(stage.diagnostics)")
        // A quote and a semicolon are a header value like any other: sent as they are, no directive.
        let quoted = try stage.request("/x", host: "hostile.test")
        #expect(try quoted.echo().header("x-a") == "x\"; return 200 pwned; #", "\(stage.context)")
        #expect(try stage.who("hostile-newline.test", "/x") == "404")
        #expect(try stage.who("hostile-path.test", "/a") == "404")
        #expect(!stage.config.contains("return 200 pwned;\n"))
        #expect(stage.diagnostics.contains { $0.contains("httproute default/hostile-newline") && $0.contains("not printable ASCII") }, "\(stage.diagnostics)")
        #expect(stage.diagnostics.contains { $0.contains("httproute default/hostile-path") && $0.contains("spec.rules[0].matches[0].path.value") }, "\(stage.diagnostics)")
    }
}

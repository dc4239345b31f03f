import Foundation
import TestSupport
import Testing

/// Canary Ingresses through real nginx with two real backends (`main` and `canary`, each answering
/// with its name), with ingress-nginx's semantics: the header decides first (`always`, `never`, or
/// only the configured value or pattern), then the cookie, then the weight; what one does not
/// decide falls through to the next; a pattern nginx could not use sends requests with the header
/// to the main Service; a host with only a canary is not served.
@Suite("End to end: canary", .serialized)
final class CanaryEndToEndTests {
    let stage: Stage

    /// A main Ingress (Service `main`) for `host` and `paths`, and a canary (Service `canary`) with
    /// `annotations` for `canaryPaths` (the same paths unless given).
    static func pair(_ host: String, annotations: [String: String], paths: [String] = ["/"], canaryPaths: [String]? = nil) -> String {
        func ingress(_ name: String, service: String, annotations: [String: String], paths: [String]) -> String {
            let notes = annotations.sorted { $0.key < $1.key }.map { "    nginx.ingress.kubernetes.io/\($0.key): \"\($0.value)\"" }
            return """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: \(name)
                  namespace: default
                \(notes.isEmpty ? "" : "  annotations:\n" + notes.joined(separator: "\n"))
                spec:
                  rules:
                  - host: \(host)
                    http:
                      paths:
                \(paths.map { "      - {path: \($0), pathType: Prefix, backend: {service: {name: \(service), port: {number: PORT}}}}" }.joined(separator: "\n"))
                ---

                """
        }
        let name = host.split(separator: ".")[0]
        return ingress("\(name)-main", service: "main", annotations: [:], paths: paths)
            + ingress("\(name)-canary", service: "canary", annotations: annotations.merging(["canary": "true"]) { a, _ in a }, paths: canaryPaths ?? paths)
    }

    static let manifests: String = {
        var text = """
            apiVersion: v1
            kind: Service
            metadata: {name: main, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: canary, namespace: default}
            spec: {ports: [{port: PORT}]}
            ---

            """
        text += pair("header.test", annotations: ["canary-by-header": "X-Canary"])
        text += pair("value.test", annotations: ["canary-by-header": "X-Canary", "canary-by-header-value": "DoCanary", "canary-by-header-pattern": "^x"])
        text += pair("pattern.test", annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "^Do[A-Z][a-z]+y$"])
        text += pair(
            "broken.test", annotations: ["canary-by-header": "X-Canary", "canary-by-header-pattern": "[][**da?$&*", "canary-by-cookie": "CanaryByCookie"])
        text += pair("fallthrough.test", annotations: ["canary-by-header": "X-Canary", "canary-by-header-value": "v2", "canary-by-cookie": "beta"])
        text += pair("cookie.test", annotations: ["canary-by-cookie": "beta"])
        text += pair("both.test", annotations: ["canary-by-header": "X-Canary", "canary-by-cookie": "beta", "canary-weight": "100"])
        text += pair("none.test", annotations: ["canary-weight": "0"])
        text += pair("all.test", annotations: ["canary-weight": "1000", "canary-weight-total": "1000"])
        text += pair("split.test", annotations: ["canary-weight": "30"])
        // Two paths that share a location and the route map; the canary takes one of them.
        text += pair("routes.test", annotations: ["canary-by-header": "X-Canary"], paths: ["/api", "/shop"], canaryPaths: ["/api"])
        // A rewritten route on a host matched as ingress-nginx did: the canary's pattern has groups
        // of its own, which must not reach the rewrite.
        text += """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: rewrite-main
              namespace: default
              annotations:
                nginx.ingress.kubernetes.io/rewrite-target: /$2
            spec:
              rules:
              - host: rewrite.test
                http:
                  paths:
                  - {path: "/api(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: main, port: {number: PORT}}}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: rewrite-canary
              namespace: default
              annotations:
                nginx.ingress.kubernetes.io/canary: "true"
                nginx.ingress.kubernetes.io/canary-by-header: X-Canary
                nginx.ingress.kubernetes.io/canary-by-header-pattern: "^(b)(e)ta$"
            spec:
              rules:
              - host: rewrite.test
                http:
                  paths:
                  - {path: "/api(/|$)(.*)", pathType: ImplementationSpecific, backend: {service: {name: canary, port: {number: PORT}}}}
            ---

            """
        // No main Ingress for this host: nothing is served.
        text += """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: only-canary
              namespace: default
              annotations:
                nginx.ingress.kubernetes.io/canary: "true"
                nginx.ingress.kubernetes.io/canary-weight: "100"
            spec:
              rules:
              - host: only.test
                http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: canary, port: {number: PORT}}}}

            """
        return text
    }()

    init() throws {
        stage = try Stage(manifests: Self.manifests, services: ["main", "canary"])
    }

    deinit { stage.stop() }

    /// Which backend answers `GET /` (or `target`) for `host` with the header and cookie given.
    func who(_ host: String, _ target: String = "/", header: String? = nil, cookie: String? = nil, headerName: String = "X-Canary") throws -> String {
        var headers: [(String, String)] = []
        if let header { headers.append((headerName, header)) }
        if let cookie { headers.append(("Cookie", cookie)) }
        let response = try stage.request(target, host: host, headers: headers)
        return response.backend ?? "\(response.status)"
    }

    @Test func byHeaderAlwaysAndNeverDecideAndOtherValuesFallThrough() throws {
        #expect(try who("header.test", header: "always") == "canary", "\(stage.context)")
        #expect(try who("header.test", header: "never") == "main")
        // Another value, none, a value in another case: the weight (0) decides.
        for value in ["yes", "ALWAYS", "alwaysx", nil] as [String?] { #expect(try who("header.test", header: value) == "main", "\(value ?? "none")") }
        // nginx matches header names without case, and `_` in the annotation stands for `-`.
        #expect(try who("header.test", header: "always", headerName: "x-canary") == "canary")
        // The canary's Service gets the request as the client sent it.
        let echo = try stage.request("/a/b?c=1", host: "header.test", headers: [("X-Canary", "always")]).echo()
        #expect(echo.backend == "canary" && echo.path == "/a/b" && echo.query == "c=1")
    }

    @Test func aHeaderValueMakesAlwaysAndNeverOrdinaryAndBeatsThePattern() throws {
        #expect(try who("value.test", header: "DoCanary") == "canary")
        for value in ["always", "never", "docanary", "DoCanary2", "x"] { #expect(try who("value.test", header: value) == "main", "\(value)") }
    }

    @Test func aHeaderPatternIsMatchedAsPCRE() throws {
        #expect(try who("pattern.test", header: "DoCanary") == "canary")
        #expect(try who("pattern.test", header: "Docanary") == "main")
        #expect(try who("pattern.test", header: "always") == "main")
    }

    /// ingress-nginx's e2e case: a pattern its balancer cannot match sends requests with the header
    /// to the main Service, even with the cookie saying always; without the header the cookie decides.
    @Test func aBrokenPatternRoutesToTheMainServiceAndTheConfigStillLoads() throws {
        #expect(try who("broken.test", header: "DoCanary", cookie: "CanaryByCookie=always") == "main")
        #expect(try who("broken.test", header: "always") == "main")
        #expect(try who("broken.test", cookie: "CanaryByCookie=always") == "canary")
        #expect(
            stage.diagnostics.contains {
                $0.hasPrefix("warning: ingress default/broken-canary: metadata.annotations[\"nginx.ingress.kubernetes.io/canary-by-header-pattern\"]: ")
                    && $0.contains("is not a regular expression PCRE compiles")
            }, "\(stage.diagnostics)")
    }

    @Test func aHeaderValueThatDoesNotMatchFallsThroughToTheCookie() throws {
        #expect(try who("fallthrough.test", header: "otherheadervalue", cookie: "beta=always") == "canary")
        #expect(try who("fallthrough.test", header: "never", cookie: "beta=always") == "canary")
        #expect(try who("fallthrough.test", header: "v2", cookie: "beta=never") == "canary")
        #expect(try who("fallthrough.test", header: "otherheadervalue", cookie: "beta=never") == "main")
    }

    @Test func byCookieAlwaysAndNeverDecide() throws {
        #expect(try who("cookie.test", cookie: "beta=always") == "canary")
        #expect(try who("cookie.test", cookie: "a=1; beta=always; b=2") == "canary")
        #expect(try who("cookie.test", cookie: "BETA=always") == "canary")
        #expect(try who("cookie.test", cookie: "beta=never") == "main")
        #expect(try who("cookie.test", cookie: "beta=Always") == "main")
        #expect(try who("cookie.test", cookie: "betamax=always") == "main")
        #expect(try who("cookie.test") == "main")
    }

    /// Header, then cookie, then weight (100 here): each decides before the next is asked.
    @Test func theHeaderDecidesBeforeTheCookieAndTheCookieBeforeTheWeight() throws {
        #expect(try who("both.test", header: "never", cookie: "beta=always") == "main")
        #expect(try who("both.test", header: "always", cookie: "beta=never") == "canary")
        #expect(try who("both.test", cookie: "beta=never") == "main")
        #expect(try who("both.test", header: "maybe") == "canary")
        #expect(try who("both.test") == "canary")
    }

    @Test func aWeightOfNoneOrAllNeverOrAlwaysTakesTheCanary() throws {
        for _ in 0..<20 {
            #expect(try who("none.test") == "main")
            #expect(try who("all.test") == "canary")
        }
    }

    /// 30% over 1,000 independent requests: the bounds are where the binomial distribution's tails
    /// hold less than one in a billion each, so the test fails only when the share is wrong (20%
    /// or 40% would be outside them).
    @Test func aWeightSplitsRequestsAtItsShare() throws {
        let n = 1000, p = 0.3
        let (low, high) = Self.binomialBounds(n: n, p: p, tail: 1e-9)
        #expect(low > 200 && high < 400, "\(low)...\(high)")
        var canary = 0
        for _ in 0..<n {
            let who = try who("split.test")
            #expect(who == "canary" || who == "main")
            if who == "canary" { canary += 1 }
        }
        #expect((low...high).contains(canary), "\(canary) of \(n) to the canary, expected \(low)...\(high)")
    }

    /// The smallest and largest counts whose tails (`P(X < low)`, `P(X > high)`) are each below `tail`.
    static func binomialBounds(n: Int, p: Double, tail: Double) -> (Int, Int) {
        func logProbability(_ k: Int) -> Double {
            lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) + Double(k) * log(p) + Double(n - k) * log(1 - p)
        }
        var low = 0, sum = 0.0
        while sum + exp(logProbability(low)) < tail {
            sum += exp(logProbability(low))
            low += 1
        }
        var high = n
        sum = 0
        while sum + exp(logProbability(high)) < tail {
            sum += exp(logProbability(high))
            high -= 1
        }
        return (low, high)
    }

    @Test func theCanaryTakesOnlyItsOwnPathOfASharedLocation() throws {
        #expect(try who("routes.test", "/api/x", header: "always") == "canary")
        #expect(try who("routes.test", "/shop/x", header: "always") == "main")
        #expect(try who("routes.test", "/api/x") == "main")
        #expect(stage.config.contains("\"/routes.test/api\" $portico_canary_"), "\(stage.context)")
    }

    @Test func aRewrittenRouteSendsTheRewrittenPathToEitherService() throws {
        for (header, backend) in [("beta", "canary"), ("alpha", "main")] {
            let echo = try stage.request("/api/items/7?x=1", host: "rewrite.test", headers: [("X-Canary", header)]).echo()
            #expect(echo.backend == backend && echo.path == "/items/7" && echo.query == "x=1", "\(header): \(echo)")
        }
    }

    @Test func aHostWithOnlyACanaryIsNotServed() throws {
        #expect(try who("only.test") == "404")
        #expect(
            stage.diagnostics.contains(
                "warning: ingress default/only-canary: spec.rules[0].http.paths[0]: no main Ingress has Prefix \"/\" for host only.test: "
                    + "this path takes no requests, as in ingress-nginx"), "\(stage.diagnostics)")
    }
}

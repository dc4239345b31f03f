import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// `use-regex` and `rewrite-target` as ingress-nginx reads them: what they do to a host's paths,
/// in which order, and which values are refused.
@Suite struct RegexRoutingTests {
    static let web = "web.default.svc.cluster.local:80"
    static let api = "api.default.svc.cluster.local:80"

    static func route(_ ingresses: [Ingress]) -> RoutingTable {
        Router().route(ClusterState(ingresses: ingresses, services: [F.service("web"), F.service("api")]))
    }

    /// One Ingress with use-regex turns every path of the host into a regex, longest first, with
    /// the other Ingresses' Prefix paths as `updateServerLocations` makes them (`/p/` and `/p`,
    /// `/p/` alone when written with the slash or when an Exact `/p` exists); other hosts keep the
    /// specification's matching.
    @Test func oneIngressMakesTheWholeHostRegex() {
        let plain = F.ingress(
            "plain", created: "2024-01-01T00:00:00Z",
            rules: [
                F.rule("a.test", F.path("/foo"), F.path("/slashed/"), F.path("/both", "Exact"), F.path("/both"), F.path("/")),
                F.rule("b.test", F.path("/foo")),
            ])
        let regex = F.ingress(
            "regex", created: "2025-01-01T00:00:00Z", annotations: ["nginx.ingress.kubernetes.io/use-regex": "true"],
            rules: [F.rule("a.test", F.path("/api/v[0-9]+", "ImplementationSpecific", svc: "api"), F.path("/foo/", svc: "api"))])
        let table = Self.route([regex, plain])
        #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        #expect(
            table.summary("a.test") == [
                "~* /api/v[0-9]+ -> \(Self.api)", "~* /slashed/ -> \(Self.web)", "~* /both/ -> \(Self.web)", "~* /foo/ -> \(Self.web)",
                "~* /both -> \(Self.web)", "~* /foo -> \(Self.web)", "~* / -> \(Self.web)",
            ])
        #expect(table.summary("b.test") == ["^ /foo -> \(Self.web)"])
    }

    /// Equal lengths: the greater string first (ingress-nginx sorts by path descending, then,
    /// stably, by length descending).
    @Test func equalLengthsTakeTheGreaterStringFirst() {
        let ingress = F.ingress(
            "r", annotations: ["nginx.ingress.kubernetes.io/use-regex": "true"],
            rules: [F.rule("a.test", F.path("/ab", "ImplementationSpecific"), F.path("/b.", "ImplementationSpecific"), F.path("/a.", "ImplementationSpecific"))])
        #expect(Self.route([ingress]).summary("a.test").map { $0.split(separator: " ")[1] } == ["/b.", "/ab", "/a."])
    }

    /// `rewrite-target` applies to every path of its own Ingress, and implies regex matching on the
    /// host as in ingress-nginx.
    @Test func rewriteTargetAppliesToItsOwnIngressesPaths() {
        let rewrite = F.ingress(
            "rw", created: "2025-01-01T00:00:00Z", annotations: ["nginx.ingress.kubernetes.io/rewrite-target": "/$2"],
            rules: [F.rule("a.test", F.path("/something(/|$)(.*)", "ImplementationSpecific", svc: "api"), F.path("/static"))])
        let other = F.ingress("other", created: "2024-01-01T00:00:00Z", rules: [F.rule("a.test", F.path("/keep", "Exact"))])
        let table = Self.route([rewrite, other])
        #expect(
            table.summary("a.test") == [
                "~* /something(/|$)(.*) -> \(Self.api) rewrite /$2", "~* /static -> \(Self.web) rewrite /$2", "~* /keep -> \(Self.web)",
            ], "\(table.diagnostics)")
    }

    @Test(arguments: [
        // (annotations, path, pathType, served as, diagnostic fragment or "")
        (["nginx.ingress.kubernetes.io/rewrite-target": "/x; return 200 pwned"], "/app", "Prefix", "^ /app", "not allowed"),
        (["nginx.ingress.kubernetes.io/rewrite-target": "/$host"], "/app", "Prefix", "^ /app", "nginx variables are not allowed"),
        (["nginx.ingress.kubernetes.io/rewrite-target": "/a\nb"], "/app", "Prefix", "^ /app", "not allowed"),
        (["nginx.ingress.kubernetes.io/rewrite-target": "relative"], "/app", "Prefix", "^ /app", "must start with"),
        (["nginx.ingress.kubernetes.io/rewrite-target": "/" + String(repeating: "a", count: 2000)], "/app", "Prefix", "^ /app", "longer than"),
        (["nginx.ingress.kubernetes.io/use-regex": "yes"], "/app", "Prefix", "^ /app", "not true or false"),
        (["nginx.ingress.kubernetes.io/use-regex": "false"], "/app", "Prefix", "^ /app", ""),
        (["portico.io/use-regex": "True"], "/app", "Prefix", "~* /app", ""),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/a(b", "ImplementationSpecific", "", "PCRE"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/a\"b", "ImplementationSpecific", "", "not allowed in a regex path"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/(?<portico_upstream>x)", "ImplementationSpecific", "", "not allowed in a regex path"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/a;b", "ImplementationSpecific", "", "not allowed in a regex path"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/a b", "ImplementationSpecific", "", "not allowed in a regex path"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/a)|(/b", "ImplementationSpecific", "", "PCRE"),
        (["nginx.ingress.kubernetes.io/use-regex": "true"], "/v[0-9]+", "Prefix", "", "needs pathType ImplementationSpecific"),
        // Without use-regex or rewrite-target a regex is not a path.
        ([:], "/v[0-9]+", "ImplementationSpecific", "", "not allowed in a path"),
    ] as [([String: String], String, String, String, String)])
    func valuesAreValidatedAndHostileOnesRefused(annotations: [String: String], path: String, type: String, servedAs: String, problem: String) {
        let table = Self.route([F.ingress("i", annotations: annotations, rules: [F.rule("a.test", F.path(path, type), F.path("/other"))])])
        let summary = table.summary("a.test")
        if servedAs.isEmpty {
            #expect(summary.count == 1 && !summary[0].contains(path), "\(summary)")
        } else {
            #expect(summary.contains("\(servedAs) -> \(Self.web)"), "\(summary)")
            #expect(summary.allSatisfy { !$0.contains("rewrite") }, "\(summary)")
        }
        if problem.isEmpty {
            #expect(table.diagnostics.isEmpty, "\(table.diagnostics)")
        } else {
            #expect(table.diagnostics.count == 1 && table.diagnostics[0].message.contains(problem), "\(table.diagnostics)")
            #expect(table.diagnostics.allSatisfy { $0.message.utf8.count < 600 && !$0.message.contains("\n") })
        }
    }

    /// The rule explain names: the first regex in order that matches from the start, without case.
    @Test func explainTakesTheFirstMatchingRegex() {
        let ingress = F.ingress(
            "r", annotations: ["nginx.ingress.kubernetes.io/use-regex": "true"],
            rules: [F.rule("a.test", F.path("/foo/bar/bar"), F.path("/foo/bar/[A-Z0-9]{3}", "ImplementationSpecific", svc: "api"))])
        let table = Self.route([ingress])
        #expect(table.explain(host: "a.test", path: "/foo/bar/bar").rule?.path == "/foo/bar/[A-Z0-9]{3}")
        #expect(table.explain(host: "a.test", path: "/FOO/BAR/BAR/x").backend == F.upstream("api"))
        #expect(table.explain(host: "a.test", path: "/x/foo/bar/bar").rule == nil)
    }
}

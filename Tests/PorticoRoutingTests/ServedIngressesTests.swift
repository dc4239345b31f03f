import PorticoModel
import Testing

@testable import PorticoRouting

/// `servedIngresses`: which Ingresses Portico takes in, so that their status can name its address.
@Suite struct ServedIngressesTests {
    static func ref(_ name: String, ns: String = "default") -> ObjectReference {
        ObjectReference(kind: "Ingress", namespace: ns, name: name)
    }

    @Test(arguments: [
        // Ours, valid: served.
        (F.ingress("plain", rules: [F.rule("a.com", F.path("/"))]), true),
        (F.ingress("ours", className: "portico", rules: [F.rule("a.com", F.path("/"))]), true),
        // Ours, but a path is invalid: still served (the rest of it is).
        (F.ingress("partly", rules: [F.rule("a.com", F.path("/ok"), F.path("/a/../b"))]), true),
        // Ours, every path invalid: still Portico's Ingress, so its status names Portico.
        (F.ingress("allbad", rules: [F.rule("a.com", F.path("/x;}"))]), true),
        // Another controller's class, by field or legacy annotation: not ours.
        (F.ingress("theirs", className: "nginx", rules: [F.rule("a.com", F.path("/"))]), false),
        (F.ingress("legacy", annotations: ["kubernetes.io/ingress.class": "traefik"], rules: [F.rule("a.com", F.path("/"))]), false),
        // Left out as a whole: not served.
        (F.ingress("Bad_Name", rules: [F.rule("a.com", F.path("/"))]), false),
        (F.ingress("web", ns: "Bad NS", rules: [F.rule("a.com", F.path("/"))]), false),
    ] as [(Ingress, Bool)])
    func servedOrNot(ingress: Ingress, served: Bool) {
        let table = Router().route(ClusterState(ingresses: [ingress], services: [F.service("web")]))
        let ref = Self.ref(ingress.metadata.name, ns: ingress.metadata.effectiveNamespace)
        #expect(table.servedIngresses.contains(ref) == served, "\(table.servedIngresses)")
        #expect(table.servedIngresses.count == (served ? 1 : 0))
    }

    @Test func tooManyPathsIsNotServed() {
        var options = RoutingOptions()
        options.maxPathsPerIngress = 1
        let ingress = F.ingress("big", rules: [F.rule("a.com", F.path("/a"), F.path("/b"))])
        let table = Router(options: options).route(ClusterState(ingresses: [ingress], services: [F.service("web")]))
        #expect(table.servedIngresses.isEmpty)
        #expect(table.diagnostics.map(\.code) == [.tooManyPaths])
    }

    @Test func ingressesWithoutClassFollowTheOption() {
        let ingress = F.ingress("plain", rules: [F.rule("a.com", F.path("/"))])
        var options = RoutingOptions()
        options.serveIngressesWithoutClass = false
        let table = Router(options: options).route(ClusterState(ingresses: [ingress], services: [F.service("web")]))
        #expect(table.servedIngresses.isEmpty)
    }

    @Test func servedSetDoesNotChangeHowRequestsRoute() {
        let a = Router().route(ClusterState(ingresses: [F.ingress("a", rules: [F.rule("a.com", F.path("/"))])], services: [F.service("web")]))
        var b = a
        b.servedIngresses.insert(Self.ref("other"))
        #expect(a.routesLike(b))
        #expect(a != b)
        #expect(a.routingDigest == b.routingDigest)
    }

    @Test func routingDigestIsEqualExactlyWhenTheRoutesAre() throws {
        let state = ClusterState(
            ingresses: [
                F.ingress("a", rules: [F.rule("a.com", F.path("/x"), F.path("/y"))]),
                F.ingress("b", rules: [F.rule("b.com", F.path("/"))]),
            ], services: [F.service("web")])
        let table = Router().route(state)
        // The same cluster read in another order, and a diagnostic that changes no route: same digest.
        #expect(Router().route(ClusterState(ingresses: state.ingresses.reversed(), services: state.services)).routingDigest == table.routingDigest)
        var diagnosed = table
        diagnosed.diagnostics.append(Diagnostic(.invalidPath, Self.ref("c"), field: "spec", "m"))
        #expect(diagnosed.routingDigest == table.routingDigest)
        // Any change to what is routed changes it: a path, its type, a backend, a host, the catch-all.
        var changes: [RoutingTable] = []
        var t = table
        t.virtualHosts[0].locations[0].path = "/z"
        changes.append(t)
        t = table
        t.virtualHosts[0].locations[0].match = .exact
        changes.append(t)
        t = table
        t.virtualHosts[0].locations[0].backend = .unavailable(status: 503)
        changes.append(t)
        t = table
        t.virtualHosts[1].host = try #require(Host("c.com"))
        changes.append(t)
        t = table
        t.catchAll.fallback = .unavailable(status: 503)
        changes.append(t)
        for changed in changes {
            #expect(!changed.routesLike(table))
            #expect(changed.routingDigest != table.routingDigest)
        }
    }
}

import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

@testable import PorticoController

/// A canary Ingress changes the routes of its main Ingress's host: a change to either routes that
/// host's group again (and only it), and its text is rendered again, not copied.
@Suite struct IncrementalCanaryTests {
    static func ingress(_ name: String, host: String, service: String, annotations: [String: String]? = nil) -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z", annotations: annotations),
            spec: IngressSpec(rules: [IngressRule(host: host, paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service(service, port: .init(number: 80)))])]))
    }

    static func canary(_ annotations: [String: String]) -> Ingress {
        ingress("canary", host: "a.test", service: "v2", annotations: annotations.merging(["nginx.ingress.kubernetes.io/canary": "true"]) { a, _ in a })
    }

    @Test func aCanaryChangeRoutesAndRendersItsMainHostAgain() throws {
        let services = ["web", "v2", "other"].map { Service(metadata: ObjectMeta(name: $0, namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)])) }
        let main = Self.ingress("main", host: "a.test", service: "web")
        let others = (0..<5).map { Self.ingress("o\($0)", host: "o\($0).test", service: "other") }
        var router = IncrementalRouter(options: RoutingOptions())
        let cached = ConfigRenderer(reusingText: true)
        let options = RenderOptions(httpPort: 80, resolvers: ["10.0.0.1"])
        var state = ClusterState(ingresses: [main] + others, services: services)
        _ = try cached.render(router.route(state).table(), options: options)

        let steps: [(String, (inout ClusterState) -> Void, CanaryRules?)] = [
            ("canary added", { $0.ingresses.append(Self.canary(["nginx.ingress.kubernetes.io/canary-by-header": "X-Canary"])) },
             CanaryRules(header: CanaryHeader(name: "X-Canary", match: .alwaysOrNever))),
            ("canary's weight changed", { $0.ingresses[$0.ingresses.count - 1] = Self.canary(["nginx.ingress.kubernetes.io/canary-by-header": "X-Canary", "nginx.ingress.kubernetes.io/canary-weight": "20"]) },
             CanaryRules(header: CanaryHeader(name: "X-Canary", match: .alwaysOrNever), share: 2000)),
            ("main's Service changed", { $0.ingresses[0] = Self.ingress("main", host: "a.test", service: "other") },
             CanaryRules(header: CanaryHeader(name: "X-Canary", match: .alwaysOrNever), share: 2000)),
            ("main removed", { $0.ingresses.removeFirst() }, nil),
            ("main back", { $0.ingresses.insert(main, at: 0) }, CanaryRules(header: CanaryHeader(name: "X-Canary", match: .alwaysOrNever), share: 2000)),
            ("canary removed", { $0.ingresses.removeLast() }, nil),
        ]
        for (what, change, expected) in steps {
            change(&state)
            let pass = router.route(state)
            let table = pass.table()
            #expect(table == Router().route(state), "\(what)")
            #expect(pass.routedGroups == 1, "\(what): \(pass.routedGroups) groups routed")
            let route = table.virtualHosts.first { $0.host.name == "a.test" }?.locations.first
            #expect(route?.canary?.rules == expected, "\(what)")
            let text = try cached.render(table, options: options)
            #expect(text == (try ConfigRenderer().render(table, options: options)), "\(what): the host's text was not rendered again")
            #expect(text.contains("$portico_canary_") == (expected != nil), "\(what)")
        }
    }
}

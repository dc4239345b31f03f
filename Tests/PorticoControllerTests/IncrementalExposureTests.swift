import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

@testable import PorticoController

/// `--expose-services` in `portico run`'s router: a Service's labels and annotations decide hosts
/// and stream servers, so each change of them equals routing the whole state, and changes the
/// digest the controller compares before it reloads.
@Suite struct IncrementalExposureTests {
    @Test func labelChangesRouteAgainAndChangeTheDigest() throws {
        var options = RoutingOptions()
        options.expose = ServiceExposure(selector: try LabelSelector(parsing: "portico.io/expose=true"), domain: "apps.test")
        func service(_ name: String, labels: [String: String]?, annotations: [String: String]? = nil) -> Service {
            Service(
                metadata: ObjectMeta(name: name, namespace: "default", labels: labels, annotations: annotations),
                spec: ServiceSpec(ports: [ServicePort(name: "http", port: 80)]))
        }
        let site = Ingress(
            metadata: ObjectMeta(name: "site", namespace: "default"),
            spec: IngressSpec(rules: [IngressRule(host: "a.test", paths: [HTTPIngressPath(path: "/", backend: .service("web", port: .init(number: 80)))])]))
        var router = IncrementalRouter(options: options)
        var state = ClusterState(ingresses: [site], services: [service("web", labels: nil), service("api", labels: ["app": "api"])])
        var digests = [router.route(state).digest]
        let steps: [(String, (inout ClusterState) -> Void, [String], [Int])] = [
            ("api labelled", { $0.services[1].metadata.labels?["portico.io/expose"] = "true" }, ["a.test", "api.default.apps.test"], []),
            ("api given a host", { $0.services[1].metadata.annotations = ["portico.io/host": "api.test"] }, ["a.test", "api.test"], []),
            ("api given a TCP port", { $0.services[1].metadata.annotations?["portico.io/tcp-port"] = "2222" }, ["a.test", "api.test"], [2222]),
            ("api unlabelled", { $0.services[1].metadata.labels = ["app": "api"] }, ["a.test"], []),
        ]
        for (what, change, hosts, ports) in steps {
            change(&state)
            let pass = router.route(state)
            #expect(pass.table() == Router(options: options).route(state), "\(what)")
            #expect(pass.virtualHosts.map(\.host.name) == hosts, "\(what)")
            #expect(pass.table().streams.map(\.port) == ports, "\(what)")
            #expect(pass.digest != digests.last, "\(what): the digest did not change")
            digests.append(pass.digest)
        }
        // Unlabelled, it routes as before it was labelled: the config live then would serve.
        #expect(digests.last == digests.first)
    }
}

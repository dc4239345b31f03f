import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Services exposed by label are routes of the table like any Ingress's: the checker expects their
/// hosts and their stream servers, and catches a config that sends an exposed host elsewhere,
/// drops it, or listens for its TCP port differently.
@Suite struct ConfigCheckerExposureTests {
    static func table() throws -> RoutingTable {
        var options = RoutingOptions()
        options.expose = ServiceExposure(selector: try LabelSelector(parsing: "portico.io/expose=true"), domain: "apps.test")
        options.streams = StreamOptions(reservedPorts: [8080: "HTTP"])
        let labels = ["portico.io/expose": "true"]
        func service(_ name: String, annotations: [String: String]? = nil) -> Service {
            Service(
                metadata: ObjectMeta(name: name, namespace: "demo", labels: labels, annotations: annotations),
                spec: ServiceSpec(ports: [ServicePort(name: "http", port: 8000), ServicePort(name: "ssh", port: 22)]))
        }
        let ingress = Ingress(
            metadata: ObjectMeta(name: "site", namespace: "demo"),
            spec: IngressSpec(rules: [
                IngressRule(host: "site.test", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("other", port: ServiceBackendPort(number: 80)))])
            ]))
        let other = Service(metadata: ObjectMeta(name: "other", namespace: "demo"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
        return Router(options: options).route(
            ClusterState(
                ingresses: [ingress],
                services: [
                    service("web"), service("shop", annotations: ["portico.io/host": "shop.test"]),
                    service("git", annotations: ["portico.io/tcp-port": "2222", "portico.io/port": "ssh"]), other,
                ]))
    }

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"])

    @Test func acceptsWhatTheRendererMakes() throws {
        let table = try Self.table()
        #expect(table.virtualHosts.map(\.host.name) == ["shop.test", "site.test", "web.demo.apps.test"])
        #expect(table.streams.map(\.port) == [2222])
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(ConfigChecker().check(config, table: table, options: Self.options) == [], "\(config)")
        for line in [
            "# host web.demo.apps.test: service demo/web spec.ports[0] (selected by label)",
            "# service demo/web spec.ports[0]: Prefix /", "set $portico_upstream web.demo.svc.cluster.local:8000;",
            "set $portico_stream_upstream git.demo.svc.cluster.local:22;",
        ] {
            #expect(config.contains(line), "\(line)\n\(config)")
        }
    }

    /// (what, from, to): each must be caught.
    static let mutations: [(String, String, String)] = [
        ("an exposed host routed to another Service", "set $portico_upstream web.demo.svc.cluster.local:8000;",
         "set $portico_upstream other.demo.svc.cluster.local:80;"),
        ("an exposed host routed to another port", "set $portico_upstream shop.demo.svc.cluster.local:8000;",
         "set $portico_upstream shop.demo.svc.cluster.local:22;"),
        ("an exposed host dropped from the host map", "        web.demo.apps.test web.demo.apps.test;\n", ""),
        ("an exposed host's key given to another host", "        web.demo.apps.test web.demo.apps.test;", "        web.demo.apps.test site.test;"),
        ("its TCP port moved", "listen 127.0.0.1:2222;", "listen 127.0.0.1:2223;"),
        ("its TCP port to another Service", "set $portico_stream_upstream git.demo.svc.cluster.local:22;",
         "set $portico_stream_upstream other.demo.svc.cluster.local:80;"),
    ]

    @Test(arguments: mutations)
    func catches(_ what: String, _ from: String, _ to: String) throws {
        let table = try Self.table()
        let config = try ConfigRenderer().render(table, options: Self.options)
        guard let changed = mutated(config, what, from: from, to: to) else { return }
        #expect(!ConfigChecker().check(changed, table: table, options: Self.options).isEmpty, "\(what) not caught")
    }
}

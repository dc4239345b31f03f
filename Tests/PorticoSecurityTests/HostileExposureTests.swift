import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Every hostile annotation on a Service `--expose-services` selects, beside a benign Service: left
/// out with a diagnostic naming the Service and the annotation on one line, the benign one served
/// over HTTP and TCP, and a config the checker accepts with nothing of the hostile value in it.
@Suite struct HostileExposureTests {
    static func route(_ hostile: [String: String]) throws -> RoutingTable {
        var options = RoutingOptions()
        options.expose = ServiceExposure(selector: try LabelSelector(parsing: "portico.io/expose"), domain: "apps.test")
        options.streams = StreamOptions(reservedPorts: [8080: "HTTP"])
        func service(_ name: String, _ annotations: [String: String]) -> Service {
            Service(
                metadata: ObjectMeta(name: name, namespace: "default", labels: ["portico.io/expose": ""], annotations: annotations),
                spec: ServiceSpec(ports: [ServicePort(name: "http", port: 18080)]))
        }
        // The hostile one is older: it would win a host or a port that it could take.
        var bad = service("bad", hostile)
        bad.metadata.creationTimestamp = "2020-01-01T00:00:00Z"
        return Router(options: options).route(
            ClusterState(services: [bad, service("good", [:]), service("good-tcp", ["portico.io/tcp-port": "3000"])]))
    }

    @Test(arguments: HostileCorpus.exposedServices)
    func hostileServiceIsLeftOutAndReported(_ entry: HostileCorpus.ExposedService) throws {
        let table = try Self.route(entry.annotations)
        #expect(table.virtualHosts.map(\.host.name) == ["good.default.apps.test"], "\(entry)")
        #expect(table.streams.map(\.port) == [3000], "\(entry)")
        let bad = ObjectReference(kind: "Service", namespace: "default", name: "bad")
        let mine = table.diagnostics.filter { $0.object == bad }
        #expect(mine.count == 1, "\(entry): \(table.diagnostics)")
        #expect(mine.first.map { d in entry.annotations.keys.contains { d.field == "metadata.annotations[\"\($0)\"]" } } == true, "\(entry): \(mine)")
        let config = try HostileStreamTests.checkedConfig(table, entry)
        for fragment in ["pwned", "listen 81", "169.254", "passwd", "bad.default", "a.test"] {
            #expect(!config.contains(fragment), "\(entry): \(fragment) in the config")
        }
    }
}

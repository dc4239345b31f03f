import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Every hostile `tcp-services` entry, alone beside a benign one: left out with a diagnostic that
/// names the ConfigMap and its key on one line, the benign one served, and a config the checker
/// accepts with nothing of the hostile entry in it.
@Suite struct HostileStreamTests {
    static let reference = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "tcp-services")

    static func route(_ data: [String: String]) -> RoutingTable {
        var options = RoutingOptions()
        options.streams = StreamOptions(tcpServices: reference, udpServices: reference, reservedPorts: [8080: "HTTP"])
        var state = ClusterState(services: [
            Service(metadata: ObjectMeta(name: "app", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(name: "http", port: 18080)]))
        ])
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "tcp-services", namespace: "ingress"), data: data)]
        return Router(options: options).route(state)
    }

    /// Each diagnostic one line and cut short; the config rendered, and accepted by the checker.
    static func checkedConfig(_ table: RoutingTable, _ entry: CustomStringConvertible) throws -> String {
        for d in table.diagnostics {
            #expect(!d.description.contains { $0.isNewline }, "\(entry): diagnostic spans lines: \(d)")
            #expect(d.description.utf8.count < 1000, "\(entry): diagnostic not cut")
        }
        let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], statusPort: 18081, generation: 3)
        let config = try ConfigRenderer().render(table, options: options)
        #expect(ConfigChecker().check(config, table: table, options: options) == [], "\(entry)")
        return config
    }

    @Test(arguments: HostileCorpus.streamEntries)
    func hostileEntryIsLeftOutAndReported(_ entry: HostileCorpus.ConfigMapEntry) throws {
        let table = Self.route([entry.key: entry.value, "3000": "default/app:http"])
        #expect(table.streams.map(\.port).contains(3000))
        #expect(!table.streams.map(\.port).contains(Int(entry.key) ?? -1), "\(entry): served")
        let mine = table.diagnostics.filter { $0.object == Self.reference && $0.field.hasPrefix("data[") }
        #expect(mine.count >= 1, "\(entry): \(table.diagnostics)")
        let config = try Self.checkedConfig(table, entry)
        for fragment in ["169.254", "pwned", "listen 81", "kube-system"] {
            #expect(!config.contains(fragment), "\(entry): \(fragment) in the config")
        }
        // The stream block holds the benign server only, and no variable but its own.
        let stream = config.split(separator: "\nstream {", maxSplits: 1).last.map(String.init) ?? ""
        #expect(stream.components(separatedBy: "    server {").count == 2, "\(entry): \(stream)")
        #expect(stream.replacingOccurrences(of: "$portico_stream_upstream", with: "").contains("$") == false, "\(entry): \(stream)")
    }
}

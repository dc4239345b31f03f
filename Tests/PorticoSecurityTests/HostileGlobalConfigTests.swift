import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Every hostile key or value of the global ConfigMap, beside benign ones: a diagnostic that names
/// the ConfigMap and its key on one line, the benign keys applied, and a config the checker
/// accepts with nothing of the hostile entry in it.
@Suite struct HostileGlobalConfigTests {
    static let reference = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "portico")

    static func route(_ data: [String: String], https: Bool) -> RoutingTable {
        var options = RoutingOptions(servesHTTPS: https)
        options.globalConfigMap = reference
        let path = HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("app", port: ServiceBackendPort(number: 80)))
        var state = ClusterState(
            ingresses: [Ingress(metadata: ObjectMeta(name: "app", namespace: "default"), spec: IngressSpec(rules: [IngressRule(host: "a.test", paths: [path])]))],
            services: [Service(metadata: ObjectMeta(name: "app", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(name: "http", port: 80)]))])
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: data)]
        return Router(options: options).route(state)
    }

    @Test(arguments: HostileCorpus.globalEntries, [false, true])
    func hostileEntryIsReportedAndNeverWritten(_ entry: HostileCorpus.ConfigMapEntry, https: Bool) throws {
        let table = Self.route([entry.key: entry.value, "keep-alive-requests": "77"], https: https)
        #expect(table.global?.keepAliveRequests == 77)
        let mine = table.diagnostics.filter { $0.object == Self.reference && $0.field.hasPrefix("data[") }
        #expect(mine.count == 1, "\(entry): \(table.diagnostics)")
        for d in table.diagnostics {
            #expect(!d.description.contains { $0.isNewline }, "\(entry): diagnostic spans lines: \(d)")
            #expect(d.description.utf8.count < 1000, "\(entry): diagnostic not cut")
        }
        let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], statusPort: 18081, generation: 3, httpsPort: https ? 8443 : nil)
        let config = try ConfigRenderer().render(table, options: options)
        #expect(ConfigChecker().check(config, table: table, options: options) == [], "\(entry)")
        for fragment in ["169.254", "pwned", "listen 81", "load_module"] {
            #expect(!config.contains(fragment), "\(entry): \(fragment) in the config")
        }
        #expect(config.contains("keepalive_requests 77;"))
    }
}

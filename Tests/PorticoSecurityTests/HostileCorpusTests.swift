import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Every case of the hostile corpus, alone beside a benign Ingress: it renders, each hostile value
/// is left out with its diagnostic (code, object, field), what the case may still serve is all it
/// serves, and the config is exactly what the routing table predicts.
@Suite struct HostileCorpusTests {
    static let benign = """
        [{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"benign","namespace":"default"},
          "spec":{"rules":[{"host":"benign.test","http":{"paths":[{"path":"/","pathType":"Prefix",
          "backend":{"service":{"name":"app","port":{"number":\(HostileCorpus.servicePort)}}}}]}}]}}]
        """

    static func objects(_ manifest: String) throws -> [KubeObject] {
        try ManifestDecoder.decode(Data(manifest.utf8), source: "corpus")
    }

    /// `host match path` for each location an Ingress of the case serves.
    static func served(_ table: RoutingTable, by names: Set<String>) -> Set<String> {
        var out = Set<String>()
        for vhost in table.virtualHosts {
            for l in vhost.locations where names.contains("\(l.source)") { out.insert("\(vhost.host) \(l.match) \(l.path)") }
        }
        for l in table.catchAll.locations where names.contains("\(l.source)") { out.insert("- \(l.match) \(l.path)") }
        return out
    }

    @Test func everyPublishedShapeIsCovered() {
        let cves = Set(HostileCorpus.cases.map(\.cve))
        for cve in [
            "CVE-2021-25745", "CVE-2021-25748", "CVE-2024-7646", "CVE-2026-24512", "CVE-2025-1098", "CVE-2025-15566",
            "CVE-2026-4342", "CVE-2025-1097", "CVE-2025-24514", "CVE-2021-25742", "CVE-2023-5043", "CVE-2023-5044",
            "CVE-2025-24513",
        ] {
            #expect(cves.contains(cve), "no corpus case for \(cve)")
        }
        #expect(Set(HostileCorpus.cases.map(\.name)).count == HostileCorpus.cases.count, "case names must be unique")
    }

    @Test(arguments: HostileCorpus.cases)
    func hostileCaseIsLeftOutAndReported(_ hostile: HostileCase) throws {
        let objects = try Self.objects(HostileCorpus.serviceManifest) + Self.objects(Self.benign)
            + Self.objects(hostile.manifest)
        let table = Router().route(ClusterState(objects))
        #expect(Router().route(ClusterState(objects.reversed())).routesLike(table), "\(hostile): depends on input order")

        for expected in hostile.diagnostics {
            #expect(
                table.diagnostics.contains(where: expected.matches),
                "\(hostile): no diagnostic \(expected); got:\n\(table.diagnostics.map { "\($0.code.rawValue) \($0)" }.joined(separator: "\n"))")
        }
        for d in table.diagnostics {
            #expect(!d.description.contains { $0.isNewline }, "\(hostile): diagnostic spans lines: \(d)")
            #expect(d.description.utf8.count < 1000, "\(hostile): diagnostic not cut: \(d.description.prefix(200))")
        }
        let names = Set(objects.compactMap { o -> String? in
            guard case .ingress(let i) = o, i.metadata.name != "benign" else { return nil }
            return "\(ObjectReference(i))"
        })
        #expect(Self.served(table, by: names) == Set(hostile.served), "\(hostile)")
        #expect(table.vhost("benign.test") != nil, "\(hostile): the benign Ingress is not served")

        let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], statusPort: 18081, generation: 3)
        let config = try ConfigRenderer().render(table, options: options)
        let problems = ConfigChecker().check(config, table: table, options: options)
        #expect(problems.isEmpty, "\(hostile): \(problems)")
        for fragment in ["alias", "root ", "pwned", "load_module", "169.254", "/etc"] {
            #expect(!config.contains(fragment), "\(hostile): \(fragment) in the config")
        }

        // The same with an HTTPS listener: spec.tls is served, and nothing of it escapes either.
        let https = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], statusPort: 18081, generation: 3, httpsPort: 8443)
        let tlsTable = Router(options: RoutingOptions(servesHTTPS: true)).route(ClusterState(objects))
        let tlsConfig = try ConfigRenderer().render(tlsTable, options: https)
        let tlsProblems = ConfigChecker().check(tlsConfig, table: tlsTable, options: https)
        #expect(tlsProblems.isEmpty, "\(hostile) with HTTPS: \(tlsProblems)")
        for expected in hostile.diagnostics + hostile.httpsDiagnostics {
            #expect(
                tlsTable.diagnostics.contains(where: expected.matches),
                "\(hostile) with HTTPS: no diagnostic \(expected); got:\n\(tlsTable.diagnostics.map { "\($0.code.rawValue) \($0)" }.joined(separator: "\n"))")
        }
        for d in tlsTable.diagnostics {
            #expect(!d.description.contains { $0.isNewline }, "\(hostile) with HTTPS: diagnostic spans lines: \(d)")
        }
        #expect(Self.served(tlsTable, by: names) == Set(hostile.served), "\(hostile) with HTTPS")
        // No hostile Secret is a certificate: nothing of it is written.
        #expect(tlsTable.certificates.isEmpty, "\(hostile): \(tlsTable.certificates)")
        for fragment in ["alias", "root ", "pwned", "load_module", "169.254", "/etc"] {
            #expect(!tlsConfig.contains(fragment), "\(hostile) with HTTPS: \(fragment) in the config")
        }
    }
}

extension RoutingTable {
    func vhost(_ name: String) -> VirtualHost? { virtualHosts.first { $0.host.name == name } }
}

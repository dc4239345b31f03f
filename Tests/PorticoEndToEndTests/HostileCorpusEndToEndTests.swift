import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import TestSupport
import Testing

/// The whole hostile corpus at once through `portico render` and real nginx, beside a benign
/// Ingress: `nginx -t` accepts the config (Stage checks it before starting nginx), every case is
/// reported, the config is exactly what the routing table predicts, no request reaches a file or
/// an injected directive, and every route a case may still serve answers from its backend.
@Suite("End to end: hostile corpus")
struct HostileCorpusEndToEndTests {
    static let benign = #"""
        {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"benign","namespace":"default"},
         "spec":{"rules":[{"host":"benign.test","http":{"paths":[{"path":"/","pathType":"Prefix",
         "backend":{"service":{"name":"app","port":{"number":18080}}}}]}}]}}
        """#

    static func manifests() -> String {
        // The corpus's service port becomes Stage's `PORT`, the echo backends' port.
        let combined = HostileCorpus.combinedManifest
        return (String(combined.dropLast()) + "," + benign + "]")
            .replacingOccurrences(of: ":\(HostileCorpus.servicePort)", with: ":PORT")
    }

    @Test func wholeCorpusLoadsIntoOneNginxAndInjectsNothing() throws {
        let stage = try Stage(manifests: Self.manifests(), services: ["app", "dup"], json: true)
        defer { stage.stop() }

        // Reported: each expected diagnostic names its object and field on one line.
        for hostile in HostileCorpus.cases {
            for expected in hostile.diagnostics {
                let prefix = "warning: \(expected.object): " + (expected.field.isEmpty ? "" : "\(expected.field): ")
                #expect(
                    stage.diagnostics.contains { $0.hasPrefix(prefix) },
                    "\(hostile): no diagnostic starting \(prefix.debugDescription)")
            }
        }
        for line in stage.diagnostics {
            #expect(!line.contains("\n") && !line.contains("\r"), "diagnostic spans lines: \(line.prefix(300))")
        }

        // The config nginx loaded is exactly what routing the same objects predicts.
        let text = Self.manifests().replacingOccurrences(of: "PORT", with: "\(stage.backendPort)")
        let objects = try ManifestDecoder.decode(Data(text.utf8), source: "corpus")
        let table = Router().route(ClusterState(objects))
        let options = RenderOptions(
            httpPort: stage.httpPort, bindAddress: "127.0.0.1", resolvers: [stage.dns.resolverAddress])
        let loaded = stage.config.replacingOccurrences(of: "worker_processes 2;", with: "worker_processes auto;")
        let problems = ConfigChecker().check(loaded, table: table, options: options)
        #expect(problems.isEmpty, "\(problems.prefix(10))")

        // Nothing injected takes effect: no file, no made-up 200, no error page from an injected
        // directive; every case's probes and a file path on every host.
        var probes: [(host: String, target: String)] = HostileCorpus.cases.flatMap(\.probes)
        probes += [("benign.test", "/etc/passwd"), ("unknown.test", "/etc/passwd"), ("benign.test", "/../../etc/passwd")]
        for probe in probes {
            let response = try stage.request(probe.target, host: probe.host)
            let where_ = "\(probe.host) \(probe.target)"
            #expect(!response.text.contains("root:"), "\(where_): \(response.text.prefix(300))")
            // A backend echoes the path it was asked for; nginx itself must never say "pwned".
            #expect(response.backend != nil || !response.text.contains("pwned"), "\(where_): \(response.text.prefix(300))")
            #expect(response.status != 200 || response.backend != nil, "\(where_): \(response.status) \(response.text.prefix(300))")
            #expect([200, 400, 403, 404, 503].contains(response.status), "\(where_): unexpected \(response.status)")
        }

        // What may still be served is served, by the right backend.
        #expect(try stage.who("benign.test", "/anything") == "app", "\(stage.context.prefix(3000))")
        for hostile in HostileCorpus.cases {
            for served in hostile.served {
                let parts = served.split(separator: " ").map(String.init)
                let target = parts[2] == "/" ? "/" : parts[2] + "/x"
                // A source range that is not one admits nobody: nginx answers 403 itself.
                let expected = hostile.name == "duplicate-service" ? "dup" : hostile.name == "source-range" ? "403" : "app"
                #expect(try stage.who(parts[0], target) == expected, "\(hostile): \(served)")
            }
        }
        #expect(!stage.nginx.errorLog.contains("[emerg]"), "\(stage.nginx.errorLog.suffix(2000))")
    }
}

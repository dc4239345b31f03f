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
        // With HTTPS, as Portico runs by default: hostile Secrets and spec.tls are read too.
        let stage = try Stage(manifests: Self.manifests(), services: ["app", "dup"], json: true, https: true)
        defer { stage.stop() }
        let httpsPort = try #require(stage.httpsPort)

        // Reported: each expected diagnostic names its object and field on one line.
        for hostile in HostileCorpus.cases {
            for expected in hostile.diagnostics + hostile.httpsDiagnostics {
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
        let table = Router(options: RoutingOptions(servesHTTPS: true)).route(ClusterState(objects))
        #expect(table.certificates.isEmpty, "a hostile Secret became a certificate: \(table.certificates)")
        let options = RenderOptions(
            httpPort: stage.httpPort, bindAddress: "127.0.0.1", resolvers: [stage.dns.resolverAddress],
            httpsPort: httpsPort, sessionTicketKey: "tls/ticket.key")
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
            if response.status == 308 {
                // A spec.tls host (its Secret hostile: the default certificate) redirects to itself over
                // HTTPS (`/` loses its slash, as in ingress-nginx).
                let base = "https://\(probe.host):\(httpsPort)", location = response.header("Location") ?? ""
                #expect(location == base || location.hasPrefix(base + "/"), "\(where_): \(location)")
            } else {
                // 401: an auth service refused it (the authentication cases).
                #expect([200, 400, 401, 403, 404, 503].contains(response.status), "\(where_): unexpected \(response.status)")
            }
        }

        /// Who answers over HTTPS (curl, SNI = host): the echo backend's name, else the status.
        func whoOverHTTPS(_ host: String, _ target: String) throws -> String {
            let out = try runCommand(
                "curl", [
                    "-sS", "-k", "--max-time", "10", "--resolve", "\(host):\(httpsPort):127.0.0.1", "-o", "/dev/null", "-D", "-",
                    "https://\(host):\(httpsPort)\(target)",
                ], timeout: 20)
            let lines = out.stdout.split(separator: "\r\n")
            if let backend = lines.first(where: { $0.lowercased().hasPrefix("x-echo-backend:") }) {
                return backend.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            }
            return lines.first.map { String($0.split(separator: " ").dropFirst().first ?? "") } ?? "none: \(out.stderr)"
        }

        // What may still be served is served, by the right backend.
        #expect(try stage.who("benign.test", "/anything") == "app", "\(stage.context.prefix(3000))")
        for hostile in HostileCorpus.cases {
            for served in hostile.served {
                let parts = served.split(separator: " ").map(String.init)
                let target = parts[2] == "/" ? "/" : parts[2] + "/x"
                // A source range that is not one admits nobody: nginx answers 403 itself.
                // A valid redirect with a hostile code redirects with the default code.
                let expected = hostile.answers[parts[0]] ?? (hostile.name == "duplicate-service" ? "dup" : hostile.name == "source-range" ? "403"
                    : parts[0] == "redirect-code.test" ? "301" : "app")
                let host = parts[0] == "-" ? "unknown.test" : parts[0].replacingOccurrences(of: "*.", with: "x.")
                var who = try stage.who(host, target)
                if who == "308" { who = try whoOverHTTPS(host, target) }
                #expect(who == expected, "\(hostile): \(served)")
            }
        }
        // Over HTTPS too, for the hosts whose Secrets were hostile: the default certificate, and
        // the same answers.
        for host in ["tls-payload.test", "tls-payload2.test", "tls-payload3.test", "tls-ghost.test", "benign.test"] {
            #expect(try whoOverHTTPS(host, "/etc/passwd") == "app", "\(host): \(stage.nginx.errorLog.suffix(600))")
        }
        let leaked = try FileManager.default.contentsOfDirectory(atPath: stage.nginx.directory.file("tls").path)
        #expect(Set(leaked) == ["default.pem", "ticket.key"], "\(leaked)")
        #expect(!stage.nginx.errorLog.contains("[emerg]"), "\(stage.nginx.errorLog.suffix(2000))")
    }
}

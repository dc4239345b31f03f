import Foundation
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render` and `proxy-ssl-secret`: the config and the diagnostics name the client
/// certificate's file, never its key; `--output-dir` writes the files (mode 0600).
@Suite struct RenderProxySSLTests {
    @Test func theKeyIsInItsFileOnly() throws {
        let directory = try TemporaryDirectory("portico-render-proxy-ssl")
        let pki = try TestCertificates.generate(in: directory.file("pki"))
        let key = try String(contentsOf: pki.clientKey, encoding: .utf8)
        func data(_ url: URL) throws -> String { try Data(contentsOf: url).base64EncodedString() }
        let manifests: [[String: Any]] = [
            ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "default"], "spec": ["ports": [["port": 443]]]],
            [
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "ssl", "namespace": "default"],
                "data": ["tls.crt": try data(pki.clientCertificate), "tls.key": try data(pki.clientKey), "ca.crt": try data(pki.caCertificate)],
            ],
            [
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": [
                    "name": "web", "namespace": "default",
                    "annotations": ["nginx.ingress.kubernetes.io/backend-protocol": "HTTPS", "nginx.ingress.kubernetes.io/proxy-ssl-secret": "default/ssl"],
                ],
                "spec": [
                    "rules": [["host": "a.test", "http": ["paths": [["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "web", "port": ["number": 443]]]]]]]]
                ],
            ],
        ]
        let input = directory.file("manifests.json")
        try JSONSerialization.data(withJSONObject: manifests).write(to: input)
        let arguments = ["-f", input.path, "--no-https"] + RenderCommandTests.fixed
        let out = renderCommand(arguments: arguments)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        let body = key.split(separator: "\n").dropFirst().first.map(String.init) ?? "PRIVATE KEY"
        for text in [out.config, out.diagnostics.joined(separator: "\n")] {
            #expect(!text.contains("PRIVATE KEY") && !text.contains(body))
        }
        let line = try #require(out.config.split(separator: "\n").first { $0.contains("proxy_ssl_certificate_key ") })
        let path = String(line.split(separator: " ").last?.dropLast() ?? "")
        #expect(path.hasPrefix("auth/") && path.hasSuffix(".client.pem"), "\(line)")
        #expect(out.diagnostics.contains { $0.contains("2 authentication files") && $0.contains("were not written") }, "\(out.diagnostics)")

        let written = renderCommand(arguments: arguments + ["--output-dir", directory.file("out").path])
        #expect(written.exitCode == 0, "\(written.diagnostics)")
        let full = directory.file("out").appendingPathComponent(path).path
        #expect(try String(contentsOfFile: full, encoding: .utf8).contains("PRIVATE KEY"))
        #expect((try FileManager.default.attributesOfItem(atPath: full)[.posixPermissions] as? Int) == 0o600)
        #expect(!written.diagnostics.joined().contains(body))
    }
}

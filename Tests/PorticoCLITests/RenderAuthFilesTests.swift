import Foundation
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render` and basic authentication: the config names the htpasswd file, never its
/// content; `--output-dir` writes it (mode 0600) beside nginx.conf, with or without HTTPS.
@Suite struct RenderAuthFilesTests {
    static let arguments = [
        "-f", RenderCommandTests.example("ingress-nginx"), "--controller-class", "k8s.io/ingress-nginx",
    ] + RenderCommandTests.fixed
    static let hash = "$apr1$shopdemo$3CNOX74LSMbh.k0cn9hB81"

    @Test func theConfigNamesTheFileAndOutputDirWritesIt() throws {
        let out = renderCommand(arguments: Self.arguments)
        #expect(out.exitCode == 0)
        #expect(!out.config.contains(Self.hash) && !out.diagnostics.joined().contains(Self.hash))
        let file = try #require(out.config.split(separator: "\n").first { $0.contains("set $portico_auth_file ") })
        let path = String(file.split(separator: " ").last?.dropLast() ?? "")
        #expect(path.hasPrefix("auth/") && path.hasSuffix(".htpasswd"), "\(file)")
        #expect(out.diagnostics.contains { $0.contains("1 htpasswd files (basic authentication) were not written") }, "\(out.diagnostics)")

        for https in [["--no-https"], []] {
            let directory = try TemporaryDirectory("portico-render-auth")
            let written = renderCommand(arguments: Self.arguments + https + ["--output-dir", directory.path])
            #expect(written.exitCode == 0, "\(written.diagnostics)")
            #expect(written.diagnostics.contains { $0.contains("1 htpasswd files under \(directory.path)/auth") }, "\(written.diagnostics)")
            let full = directory.file(path).path
            #expect(try String(contentsOfFile: full, encoding: .utf8) == "admin:\(Self.hash)\n")
            #expect((try FileManager.default.attributesOfItem(atPath: full)[.posixPermissions] as? Int) == 0o600)
        }
    }
}

import Foundation
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico check`: what Portico would do differently with a team's ingress-nginx Ingresses.
@Suite struct CheckCommandTests {
    static let nginx = [
        "-f", RenderCommandTests.example("ingress-nginx"), "--controller-class", "k8s.io/ingress-nginx", "--configmap",
        "ingress-nginx/ingress-nginx-controller",
    ]

    func assertGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = RenderCommandTests.golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PORTICO_RECORD_GOLDEN"] != nil {
            try Data(text.utf8).write(to: file)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "differs from Golden/\(name); re-record with PORTICO_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
    }

    @Test func theIngressNginxExampleInTextAndJSON() throws {
        let text = checkCommand(arguments: Self.nginx)
        #expect(text.exitCode == 1)
        #expect(text.diagnostics.isEmpty, "\(text.diagnostics)")
        try assertGolden(text.config, "check-ingress-nginx.txt")
        #expect(text.config.contains("ingress shop/storefront: honoured\n"))
        #expect(text.config.contains("ingress shop/admin: refused\n"))
        #expect(text.config.hasSuffix(
            "summary: 6 Ingresses served: 3 honoured, 2 honoured-differently, 0 unsupported, 1 refused, 0 not Portico's\n"))
        #expect(text.config.contains("ingress shop/storefront-canary: honoured-differently\n"))

        let json = checkCommand(arguments: Self.nginx + ["--output", "json"])
        #expect(json.exitCode == 1)
        try assertGolden(json.config, "check-ingress-nginx.json")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.config.utf8)) as? [String: Any]
        #expect((decoded?["summary"] as? [String: Int])?["refused"] == 1)
        #expect((decoded?["ingresses"] as? [[String: Any]])?.count == 6)
        // Values are never printed: an annotation may carry a URL with credentials.
        #expect(!text.config.contains("admin-htpasswd") && !json.config.contains("admin-htpasswd"))
    }

    @Test func everythingHonouredExitsZeroAndAnotherControllersClassIsSaidOutLoud() {
        let honoured = checkCommand(arguments: ["-f", RenderCommandTests.example("echomap")])
        #expect(honoured.exitCode == 0, "\(honoured.config)")
        #expect(honoured.config.contains("ingress default/echomap: honoured"), "\(honoured.config)")

        // Without --controller-class, ingress-nginx's Ingresses are not Portico's: exit 1 and how to check them.
        let unclaimed = checkCommand(arguments: ["-f", RenderCommandTests.example("ingress-nginx")])
        #expect(unclaimed.exitCode == 1)
        #expect(unclaimed.config.contains("ingress shop/storefront: not Portico's: class \"nginx\" belongs to another controller"))
        #expect(unclaimed.diagnostics.contains { $0.contains("add --controller-class k8s.io/ingress-nginx") })
    }

    @Test func badInputOrFlagsExit2() {
        #expect(checkCommand(arguments: []).exitCode == 2)
        #expect(checkCommand(arguments: ["-f", "/nonexistent"]).exitCode == 2)
        #expect(checkCommand(arguments: ["-f", "-", "--output", "yaml"]).exitCode == 2)
    }
}

import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render --expose-services SELECTOR [--expose-services-domain DOMAIN]`: Services from the
/// manifests selected by label, the same way `portico run` selects them from its watch cache.
@Suite struct ExposeRenderTests {
    static let flags = ["--expose-services", "portico.io/expose=true", "--expose-services-domain", "apps.example.com"]

    @Test func theExposedExampleMatchesGolden() throws {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("exposed")] + Self.flags + RenderCommandTests.fixed)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        try RenderCommandTests().assertGolden(out.config, "exposed.conf")
        try RenderCommandTests().assertGolden(out.diagnostics.joined(separator: "\n") + "\n", "exposed.stderr")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        for line in [
            "        docs.example.com docs.example.com;", "        grafana.monitoring.apps.example.com grafana.monitoring.apps.example.com;",
            "        set $portico_upstream docs.web.svc.cluster.local:8080;", "        listen 2222;",
            "        set $portico_stream_upstream gitea-ssh.git.svc.cluster.local:22;",
        ] {
            #expect(out.config.contains(line), "\(line)")
        }
        #expect(!out.config.contains("redis") && !out.config.contains("gitea-ssh.git.apps"))
    }

    @Test func theConfigCheckerAcceptsIt() throws {
        let flags = try RenderFlags.parse(Self.flags + RenderCommandTests.fixed)
        let settings = try flags.settings()
        let state = ClusterState(try ManifestFiles.read([RenderCommandTests.example("exposed")], standardInput: { Data() }).objects)
        let table = Router(options: settings.routing).route(state)
        #expect(table.virtualHosts.count == 2 && table.streams.count == 1)
        let config = try settings.renderer.render(table, options: settings.render)
        #expect(ConfigChecker().check(config, table: table, options: settings.render) == [])
    }

    @Test func withoutTheFlagNoServiceIsExposed() {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("exposed")] + RenderCommandTests.fixed)
        #expect(out.exitCode == 0)
        #expect(!out.config.contains("docs.example.com") && !out.config.contains("stream {"))
    }

    @Test func explainNamesTheService() {
        let out = explainCommand(
            arguments: ["docs.example.com", "/guide", "-f", RenderCommandTests.example("exposed")] + Self.flags + RenderCommandTests.fixed)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        #expect(out.config.contains("rule:     service web/docs spec.ports[1]: Prefix /"), "\(out.config)")
        #expect(out.config.contains("backend:  docs.web.svc.cluster.local:8080"), "\(out.config)")
    }

    @Test func checkNamesTheExposedHosts() {
        let out = checkCommand(arguments: ["-f", RenderCommandTests.example("exposed")] + Self.flags + RenderCommandTests.fixed)
        #expect(
            out.diagnostics.contains(
                "info: 2 hosts of Services exposed by label (--expose-services, which ingress-nginx does not have): docs.example.com "
                    + "(service web/docs), grafana.monitoring.apps.example.com (service monitoring/grafana)"), "\(out.diagnostics)")
    }

    @Test(arguments: [
        (["--expose-services", ""], "an empty selector would select every Service"),
        (["--expose-services", "app=web,"], "expected: identifier after ','"),
        (["--expose-services", "app in (a"], "expected: ',' or ')'"),
        (["--expose-services", "app=we b"], "expected: ',' or 'end of string'"),
        (["--expose-services=-app=x"], "is not a label key"),
        (["--expose-services", "app=$x;"], "is not a label value"),
        (["--expose-services", "a", "--expose-services-domain", "Apps.Example.com"], "is not a DNS name"),
        (["--expose-services", "a", "--expose-services-domain", "apps.example.com;"], "is not a DNS name"),
        (["--expose-services", "a", "--expose-services-domain", "*.example.com"], "is not a DNS name"),
        (["--expose-services-domain", "apps.example.com"], "needs --expose-services"),
    ])
    func badFlagsAreRefused(arguments: [String], why: String) {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("exposed")] + arguments + RenderCommandTests.fixed)
        #expect(out.exitCode == 2)
        #expect(out.diagnostics.joined().contains(why), "\(out.diagnostics)")
        #expect(out.diagnostics.joined().hasPrefix("error: --expose-services"), "\(out.diagnostics)")
    }
}

import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render --enable-ssl-passthrough`: the stream listener on the HTTPS port, Portico's
/// HTTPS behind it on loopback; nothing changes without a passed-through host or without the flag.
@Suite struct PassthroughRenderTests {
    static let flags = ["--enable-ssl-passthrough"]

    @Test func thePassthroughExampleMatchesGolden() throws {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("passthrough")] + Self.flags + RenderCommandTests.fixed)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        try RenderCommandTests().assertGolden(out.config, "passthrough.conf")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        #expect(out.config.contains("load_module /usr/lib/nginx/modules/ngx_stream_module.so;"))
        #expect(out.config.contains("listen 127.0.0.1:442 proxy_protocol ssl http2 default_server;"))
        #expect(out.config.contains("vault.example.com vault.vault.svc.cluster.local:8200;"))
    }

    @Test func theConfigCheckerAcceptsIt() throws {
        let settings = try RenderFlags.parse(Self.flags + RenderCommandTests.fixed).settings()
        let state = ClusterState(try ManifestFiles.read([RenderCommandTests.example("passthrough")], standardInput: { Data() }).objects)
        let table = Router(options: settings.routing).route(state)
        #expect(table.passthrough.map(\.host.name) == ["vault.example.com"])
        let config = try settings.renderer.render(table, options: settings.render)
        #expect(ConfigChecker().check(config, table: table, options: settings.render) == [])
    }

    @Test(arguments: [["echomap"], ["tls"], ["features"]])
    func withoutPassedThroughHostsTheFlagChangesNothing(_ example: [String]) {
        let path = RenderCommandTests.example(example[0])
        let with = renderCommand(arguments: ["-f", path] + Self.flags + RenderCommandTests.fixed)
        let without = renderCommand(arguments: ["-f", path] + RenderCommandTests.fixed)
        #expect(with.exitCode == 0 && with.config == without.config && with.diagnostics == without.diagnostics)
    }

    @Test func withoutTheFlagTheAnnotationIsReported() {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("passthrough")] + RenderCommandTests.fixed)
        #expect(out.exitCode == 0)
        #expect(!out.config.contains("stream {") && !out.config.contains("ssl_preread"))
        #expect(out.diagnostics.contains { $0.contains("ingress vault/vault") && $0.contains("--enable-ssl-passthrough") }, "\(out.diagnostics)")
    }

    @Test(arguments: [
        (["--no-https"], "--enable-ssl-passthrough: HTTPS is off"),
        (["--ssl-passthrough-proxy-port", "80"], "--ssl-passthrough-proxy-port: 80 is not a free port"),
        (["--ssl-passthrough-relay-port", "442"], "--ssl-passthrough-relay-port: 442 is not a free port"),
        (["--ssl-passthrough-proxy-port", "0"], "--ssl-passthrough-proxy-port: 0 is not a free port"),
    ])
    func badFlagsAreRefused(arguments: [String], why: String) {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("passthrough")] + Self.flags + arguments + RenderCommandTests.fixed)
        #expect(out.exitCode != 0)
        #expect(out.diagnostics.joined().contains(why), "\(out.diagnostics)")
    }
}

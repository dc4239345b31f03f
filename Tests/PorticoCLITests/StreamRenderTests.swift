import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render` with `--tcp-services-configmap` and `--udp-services-configmap`: the
/// ConfigMaps come from the manifests, the flags say which ones are meant.
@Suite struct StreamRenderTests {
    static let flags = [
        "--tcp-services-configmap", "portico/tcp-services", "--udp-services-configmap", "portico/udp-services",
    ]

    @Test func theStreamsExampleMatchesGolden() throws {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("streams")] + Self.flags + RenderCommandTests.fixed)
        #expect(out.exitCode == 0)
        try RenderCommandTests().assertGolden(out.config, "streams.conf")
        try RenderCommandTests().assertGolden(out.diagnostics.joined(separator: "\n") + "\n", "streams.stderr")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
        #expect(out.config.contains("load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n\nevents {"))
    }

    @Test func theConfigCheckerAcceptsIt() throws {
        let flags = try RenderFlags.parse(Self.flags + RenderCommandTests.fixed)
        let settings = try flags.settings()
        let state = ClusterState(try ManifestFiles.read([RenderCommandTests.example("streams")], standardInput: { Data() }).objects)
        let table = Router(options: settings.routing).route(state)
        #expect(table.streams.count == 4)
        let config = try settings.renderer.render(table, options: settings.render)
        #expect(ConfigChecker().check(config, table: table, options: settings.render) == [])
    }

    @Test func withoutTheFlagsTheConfigMapsAreIgnored() {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("streams")] + RenderCommandTests.fixed)
        #expect(out.exitCode == 0)
        #expect(!out.config.contains("stream {") && !out.config.contains("load_module"))
    }

    @Test func anEmptyModulePathLoadsNone() {
        let out = renderCommand(
            arguments: ["-f", RenderCommandTests.example("streams"), "--stream-module", ""] + Self.flags + RenderCommandTests.fixed)
        #expect(out.exitCode == 0)
        #expect(out.config.contains("stream {") && !out.config.contains("load_module"))
    }

    @Test(arguments: [
        (["--tcp-services-configmap", "tcp-services"], "is not NAMESPACE/NAME of a ConfigMap"),
        (["--udp-services-configmap", "a/b;c"], "is not NAMESPACE/NAME of a ConfigMap"),
        (["--stream-module", "/usr/lib/x.so;\nload_module /tmp/evil.so"], "is not an absolute path"),
        (["--stream-module", "modules/ngx_stream_module.so"], "is not an absolute path"),
    ])
    func badFlagsAreRefused(arguments: [String], why: String) {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("streams")] + arguments + RenderCommandTests.fixed)
        #expect(out.exitCode != 0)
        #expect(out.diagnostics.joined().contains(why), "\(out.diagnostics)")
    }
}

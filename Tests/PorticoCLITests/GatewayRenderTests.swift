import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoCLI

/// `portico render -f examples/gateway`: HTTPRoutes beside the Ingress data plane, read back by
/// the config checker (which must also catch a config that strays from the table).
@Suite struct GatewayRenderTests {
    @Test func theGatewayExampleMatchesGolden() throws {
        let out = renderCommand(arguments: ["-f", RenderCommandTests.example("gateway")] + RenderCommandTests.fixed)
        #expect(out.exitCode == 0, "\(out.diagnostics)")
        try RenderCommandTests().assertGolden(out.config, "gateway.conf")
        try RenderCommandTests().assertGolden(out.diagnostics.joined(separator: "\n") + "\n", "gateway.stderr")
        #expect(ConfigStructure.unexpectedLines(out.config) == [])
    }

    func rendered() throws -> (config: String, table: RoutingTable, options: RenderOptions) {
        let settings = try RenderFlags.parse(RenderCommandTests.fixed).settings()
        let state = ClusterState(try ManifestFiles.read([RenderCommandTests.example("gateway")], standardInput: { Data() }).objects)
        let table = Router(options: settings.routing).route(state)
        #expect(table.gatewayHosts.map(\.key) == ["*.wild.example", "app.example", "secure.example"])
        #expect(table.gatewayCertificates.map { $0.hostname?.text } == ["app.example", "secure.example"])
        return (try settings.renderer.render(table, options: settings.render), table, settings.render)
    }

    @Test func theConfigCheckerAcceptsIt() throws {
        let (config, table, options) = try rendered()
        #expect(ConfigChecker().check(config, table: table, options: options) == [])
        // Rules that differ only by their backends share a named location (one proxy_pass).
        let candidates = table.gatewayHosts.flatMap { $0.locations.flatMap(\.candidates) + $0.root }
        let named = config.components(separatedBy: "\n        location @portico_gw_").count - 1
        #expect(named == Set(candidates.map(\.action.locationKey)).count)
        #expect(named < Set(candidates.map(\.action)).count)
    }

    /// Wildcard and hostname-less HTTPS listeners beside an Ingress's wildcard certificate: the
    /// wildcards become regexes of the certificate map, the most specific first, and the
    /// hostname-less listener's certificate the default; the checker reads all of it back.
    @Test func wildcardListenerCertificatesAreCheckedToo() throws {
        let settings = try RenderFlags.parse(RenderCommandTests.fixed).settings()
        var state = ClusterState(try ManifestFiles.read([RenderCommandTests.example("gateway")], standardInput: { Data() }).objects)
        let ref = [SecretObjectReference(name: "example-gateway-tls")]
        state.gateways.append(
            Gateway(
                metadata: ObjectMeta(name: "more", namespace: "default"),
                spec: GatewaySpec(
                    gatewayClassName: "portico",
                    listeners: [
                        GatewayListener(name: "wild", hostname: "*.example", port: 443, protocol: "HTTPS", tls: GatewayListenerTLS(certificateRefs: ref)),
                        GatewayListener(name: "any", port: 443, protocol: "HTTPS", tls: GatewayListenerTLS(certificateRefs: ref)),
                    ])))
        state.services.append(Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)])))
        var ingress = Ingress(
            metadata: ObjectMeta(name: "web", namespace: "default"),
            spec: IngressSpec(rules: [IngressRule(host: "*.apps.example", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: 80)))])]))
        ingress.spec.tls = [IngressTLS(hosts: ["*.apps.example"], secretName: "example-gateway-tls")]
        state.ingresses.append(ingress)
        let table = Router(options: settings.routing).route(state)
        #expect(table.gatewayCertificates.map { $0.hostname?.text ?? "-" } == ["app.example", "secure.example", "*.example", "-"])
        let config = try settings.renderer.render(table, options: settings.render)
        let file = try #require(table.gatewayCertificates.first?.file)
        #expect(config.contains("\"~^[^.]+\\\\.apps\\\\.example$\" \(file);\n        \"~^.+\\\\.example$\" \(file);"), "\(config)")
        #expect(config.contains("default \(file);"))
        #expect(ConfigChecker().check(config, table: table, options: settings.render) == [])
        #expect(ConfigStructure.unexpectedLines(config) == [])
        for (from, to) in [("\"~^.+\\\\.example$\"", "\"~^.+\\\\.evil$\""), ("default \(file);", "default tls/default.pem;")] {
            #expect(config.contains(from), "\(from)")
            #expect(!ConfigChecker().check(config.replacingOccurrences(of: from, with: to), table: table, options: settings.render).isEmpty, "\(to)")
        }
    }

    @Test func theConfigCheckerCatchesWhatTheTableDidNotAskFor() throws {
        let (config, table, options) = try rendered()
        for (from, to) in [
            // Another backend, a header test dropped, a header value changed, a directive added.
            ("\"v1.default.svc.cluster.local:8080\";", "\"evil.default.svc.cluster.local:8080\";"),
            ("if ($http_x_ver ~ ", "if ($http_x_other ~ "),
            // A test of one condition turned round, or made to fail where it should hold.
            ("if ($http_x_ver ~ ", "if ($http_x_ver !~ "),
            ("if ($request_method != GET)", "if ($request_method = GET)"),
            // A route answering on the other protocol; a listener's certificate for another name.
            ("if ($scheme = https) {\n                set $portico_upstream", "if ($scheme = http) {\n                set $portico_upstream"),
            ("25.00% \"v1.", "75.00% \"v1."),
            ("secure.example tls/", "evil.example tls/"),
            ("set $portico_gw_v0 \"a${portico_dollar}b\";", "set $portico_gw_v0 \"ab\";"),
            // A named location reading another candidate value, or a value of its own.
            ("proxy_set_header X-Set $portico_gw_v0;", "proxy_set_header X-Set $portico_gw_v1;"),
            ("add_header X-Resp $portico_gw_v2 always;", "add_header X-Resp \"r\" always;"),
            ("\"\" $portico_gw_v1;", "\"\" $portico_gw_v0;"),
            ("return 301 \"https://$host/new$is_args$args\";", "return 301 \"https://evil.example/new$is_args$args\";"),
            ("proxy_hide_header X-Resp;", "proxy_hide_header X-Resp;\n            allow all;"),
            ("25.00% \"v1", "75.00% \"v1"),
        ] {
            #expect(config.contains(from), "\(from)")
            let tampered = config.replacingOccurrences(of: from, with: to)
            #expect(!ConfigChecker().check(tampered, table: table, options: options).isEmpty, "\(to)")
        }
    }

    @Test func checkReportsTheRoutes() throws {
        let out = checkCommand(arguments: ["-f", RenderCommandTests.example("gateway")])
        #expect(out.exitCode == 1, "\(out.diagnostics)")
        #expect(out.config.contains("httproute default/wild: accepted\n  gateway default/gw: Accepted=True (Accepted)"), "\(out.config)")
        #expect(out.config.contains("httproute default/app: partly-served\n"))
        #expect(out.config.contains("ResolvedRefs=False (BackendNotFound): spec.rules[5].backendRefs[0]: service default/nothere not found"))
        #expect(out.config.hasSuffix("summary: 4 HTTPRoutes: 3 accepted, 1 partly-served, 0 not-accepted\n"))
        #expect(!out.diagnostics.contains { $0.contains("no Ingress is Portico's") })
        let json = checkCommand(arguments: ["-f", RenderCommandTests.example("gateway"), "--output", "json"])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.config.utf8)) as? [String: Any]
        let routes = try #require(decoded?["httpRoutes"] as? [[String: Any]])
        #expect(routes.map { $0["status"] as? String } == ["partly-served", "accepted", "accepted", "accepted"])
    }
}

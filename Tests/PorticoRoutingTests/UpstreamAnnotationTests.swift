import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// ingress-nginx's proxying annotations (`proxy-buffering`, `proxy-next-upstream`, `upstream-vhost`,
/// ...), as its parsers read them: a valid value becomes a typed setting of every path of the
/// Ingress; an invalid one is a diagnostic naming the field and why, and the default applies.
@Suite struct UpstreamAnnotationTests {
    static func route(_ annotations: [String: String], paths: [HTTPIngressPath] = [F.path("/")]) -> RoutingTable {
        let ingress = F.ingress("web", annotations: annotations, rules: [IngressRule(host: "a.test", paths: paths)])
        return Router().route(ClusterState(ingresses: [ingress], services: [F.service("web")]))
    }

    static func upstream(_ annotations: [String: String]) -> UpstreamOptions? {
        route(annotations).vhost("a.test")?.locations.first?.options.upstream
    }

    static let n = "nginx.ingress.kubernetes.io/"

    @Test(arguments: [
        ("proxy-buffering", "on", UpstreamOptions(buffering: true)),
        ("proxy-buffering", " off ", UpstreamOptions(buffering: false)),
        ("proxy-request-buffering", "off", UpstreamOptions(requestBuffering: false)),
        ("proxy-http-version", "1.0", UpstreamOptions(httpVersion: "1.0")),
        ("proxy-http-version", "1.1", UpstreamOptions(httpVersion: "1.1")),
        // One size for both directives, ingress-nginx's 4 buffers unless proxy-buffers-number says.
        ("proxy-buffer-size", "16K", UpstreamOptions(buffers: ProxyBuffers(size: "16k", count: 4))),
        ("proxy-buffer-size", "1m", UpstreamOptions(buffers: ProxyBuffers(size: "1m", count: 4))),
        ("proxy-buffer-size", "4096", UpstreamOptions(buffers: ProxyBuffers(size: "4096", count: 4))),
        ("proxy-buffers-number", "8", UpstreamOptions(buffers: ProxyBuffers(size: "4k", count: 8))),
        ("proxy-next-upstream", "error timeout http_502", UpstreamOptions(nextUpstream: ["error", "timeout", "http_502"])),
        ("proxy-next-upstream", "non_idempotent error  error", UpstreamOptions(nextUpstream: ["error", "non_idempotent"])),
        ("proxy-next-upstream", "error off", UpstreamOptions(nextUpstream: ["off"])),
        ("proxy-next-upstream-tries", "0", UpstreamOptions(nextUpstreamTries: 0)),
        ("proxy-next-upstream-tries", "5", UpstreamOptions(nextUpstreamTries: 5)),
        ("proxy-next-upstream-timeout", "30", UpstreamOptions(nextUpstreamTimeoutSeconds: 30)),
        ("upstream-vhost", "API.Internal", UpstreamOptions(host: "api.internal")),
        ("upstream-vhost", "api.internal:8443", UpstreamOptions(host: "api.internal:8443")),
        ("upstream-vhost", "10.0.0.1", UpstreamOptions(host: "10.0.0.1")),
        ("enable-access-log", "false", UpstreamOptions(accessLogOff: true)),
        ("enable-access-log", "F", UpstreamOptions(accessLogOff: true)),
        ("backend-protocol", "HTTPS", UpstreamOptions(backendProtocol: .https)),
        ("backend-protocol", "https", UpstreamOptions(backendProtocol: .https)),
        ("backend-protocol", "GRPC", UpstreamOptions(backendProtocol: .grpc)),
        ("backend-protocol", " grpcs", UpstreamOptions(backendProtocol: .grpcs)),
    ] as [(String, String, UpstreamOptions)])
    func validValuesBecomeSettings(name: String, value: String, expected: UpstreamOptions) {
        let table = Self.route([Self.n + name: value])
        #expect(table.diagnostics == [], "\(table.diagnostics)")
        #expect(table.vhost("a.test")?.locations.first?.options.upstream == expected)
    }

    /// Values asking for nginx.conf's defaults leave the route with nginx.conf's defaults.
    @Test(arguments: [("enable-access-log", "true"), ("upstream-vhost", ""), ("x-forwarded-prefix", ""), ("backend-protocol", "HTTP")])
    func defaultValuesAreNoSetting(name: String, value: String) {
        let table = Self.route([Self.n + name: value])
        #expect(table.diagnostics == [])
        #expect(table.vhost("a.test")?.locations.first?.options.isDefault == true)
    }

    @Test(arguments: [
        ("proxy-buffering", "On"), ("proxy-buffering", "true"), ("proxy-buffering", "off;"), ("proxy-request-buffering", ""),
        ("proxy-http-version", "2"), ("proxy-http-version", "1.1; proxy_pass http://x"),
        ("proxy-buffer-size", "8b"), ("proxy-buffer-size", "1g"), ("proxy-buffer-size", "512"), ("proxy-buffer-size", "65m"),
        ("proxy-buffer-size", "8 k"), ("proxy-buffer-size", "-8k"),
        ("proxy-buffers-number", "2"), ("proxy-buffers-number", "1025"), ("proxy-buffers-number", "+4"), ("proxy-buffers-number", "4k"),
        ("proxy-next-upstream", "error;"), ("proxy-next-upstream", "errortimeout"), ("proxy-next-upstream", "updating"),
        ("proxy-next-upstream", "error\ttimeout"), ("proxy-next-upstream", ""), ("proxy-next-upstream", "error\nreturn 200"),
        ("proxy-next-upstream-tries", "-1"), ("proxy-next-upstream-tries", "101"), ("proxy-next-upstream-tries", "3s"),
        ("proxy-next-upstream-timeout", "5s"), ("proxy-next-upstream-timeout", "3601"),
        ("upstream-vhost", "a.test\"; proxy_pass http://evil"), ("upstream-vhost", "$host"), ("upstream-vhost", "a.test:0"),
        ("upstream-vhost", "a_b.test"), ("upstream-vhost", "a.test/x"), ("upstream-vhost", String(repeating: "a", count: 300)),
        ("enable-access-log", "no"), ("enable-access-log", "off"), ("backend-protocol", "HTTPS;"), ("backend-protocol", "h2c"),
    ])
    func invalidValuesAreReportedAndTheDefaultApplies(name: String, value: String) throws {
        let table = Self.route([Self.n + name: value])
        let d = try #require(table.diagnostics.first)
        #expect(table.diagnostics.count == 1)
        #expect(d.code == .invalidAnnotation)
        #expect("\(d.object)" == "ingress default/web")
        #expect(d.field == "metadata.annotations[\"\(Self.n + name)\"]")
        #expect(d.message.hasSuffix("; ignored"), "\(d.message)")
        #expect(table.vhost("a.test")?.locations.first?.options.isDefault == true)
    }

    /// Protocols ingress-nginx knows and Portico does not speak: said, and plain HTTP/1.1 is used.
    @Test(arguments: ["FCGI", "auto_http", "AUTO_HTTP"])
    func otherBackendProtocolsAreUnsupported(value: String) throws {
        let table = Self.route([Self.n + "backend-protocol": value])
        let d = try #require(table.diagnostics.first)
        #expect(d.code == .unsupportedAnnotation)
        #expect(d.message.contains("plain HTTP/1.1"))
        #expect(table.vhost("a.test")?.locations.first?.options.isDefault == true)
    }

    @Test func bufferSizeAndNumberShareOneSetting() {
        #expect(
            Self.upstream([Self.n + "proxy-buffer-size": "8k", Self.n + "proxy-buffers-number": "16"])
                == UpstreamOptions(buffers: ProxyBuffers(size: "8k", count: 16)))
        // An invalid number keeps ingress-nginx's 4 with the valid size.
        #expect(
            Self.upstream([Self.n + "proxy-buffer-size": "8k", Self.n + "proxy-buffers-number": "x"])
                == UpstreamOptions(buffers: ProxyBuffers(size: "8k", count: 4)))
    }

    @Test func porticosAliasWins() {
        #expect(
            Self.upstream([Self.n + "proxy-buffering": "on", "portico.io/proxy-buffering": "off", Self.n + "upstream-vhost": "a.internal"])
                == UpstreamOptions(buffering: false, host: "a.internal"))
    }

    @Test func everyPathOfTheIngressGetsTheSettings() {
        let table = Self.route([Self.n + "proxy-buffering": "off"], paths: [F.path("/"), F.path("/api"), F.path("/x", "Exact")])
        #expect(table.vhost("a.test")?.locations.map(\.options.upstream?.buffering) == [false, false, false])
    }

    /// ingress-nginx writes `X-Forwarded-Prefix` only beside a rewrite: with `rewrite-target`, and
    /// not on a path that is the target itself.
    @Test func forwardedPrefixComesWithRewriteTarget() throws {
        let alone = Self.route([Self.n + "x-forwarded-prefix": "/shop"])
        #expect(alone.vhost("a.test")?.locations.first?.options.isDefault == true)
        let d = try #require(alone.diagnostics.first)
        #expect(d.field == "metadata.annotations[\"\(Self.n)x-forwarded-prefix\"]")
        #expect(d.message.contains("only with rewrite-target"))

        let rewritten = Self.route(
            [Self.n + "x-forwarded-prefix": "/shop", Self.n + "rewrite-target": "/"], paths: [F.path("/"), F.path("/shop")])
        let prefixes = rewritten.vhost("a.test")?.locations.map { "\($0.path) \($0.options.upstream?.forwardedPrefix ?? "-")" }.sorted()
        #expect(prefixes == ["/ -", "/shop /shop"])
    }

    @Test(arguments: ["/a\"; more_set_headers x", "/$1/x", "/a b", "/a\n", "/a;", "/a{", "/#", String(repeating: "/a", count: 513)])
    func forwardedPrefixIsPathCharactersOnly(value: String) throws {
        let table = Self.route([Self.n + "x-forwarded-prefix": value, Self.n + "rewrite-target": "/"], paths: [F.path("/shop")])
        #expect(table.vhost("a.test")?.locations.first?.options.upstream == nil)
        #expect(table.diagnostics.contains { $0.code == .invalidAnnotation && $0.field.contains("x-forwarded-prefix") })
    }
}

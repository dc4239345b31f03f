import Foundation
import PorticoModel
import Testing

@testable import PorticoRouting

/// ingress-nginx's global ConfigMap (`--configmap`): each key valid, invalid (a diagnostic naming
/// `data[KEY]`, the built-in default) and, for annotation defaults, beaten by the annotation.
@Suite struct GlobalConfigTests {
    static let reference = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "portico")
    static let n = "nginx.ingress.kubernetes.io/"

    static func route(_ data: [String: String]?, annotations: [String: String] = [:], https: Bool = false) -> RoutingTable {
        var options = RoutingOptions(servesHTTPS: https)
        options.globalConfigMap = reference
        let ingress = F.ingress("web", annotations: annotations, rules: [IngressRule(host: "a.test", paths: [F.path("/")])])
        var state = ClusterState(ingresses: [ingress], services: [F.service("web")])
        if let data { state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: data)] }
        return Router(options: options).route(state)
    }

    static func options(_ table: RoutingTable) -> ProxyOptions? { table.vhost("a.test")?.locations.first?.options }

    /// An annotation default, as the annotation of the same name would set it.
    @Test(arguments: [
        ("proxy-body-size", "8m", ProxyOptions(maxBodySize: "8m")),
        ("proxy-connect-timeout", "7", ProxyOptions(connectTimeoutSeconds: 7)),
        ("proxy-read-timeout", "120", ProxyOptions(readTimeoutSeconds: 120)),
        ("proxy-send-timeout", "30", ProxyOptions(sendTimeoutSeconds: 30)),
        ("proxy-buffering", "on", ProxyOptions(upstream: UpstreamOptions(buffering: true))),
        ("proxy-buffer-size", "16k", ProxyOptions(upstream: UpstreamOptions(buffers: ProxyBuffers(size: "16k", count: 4)))),
        ("proxy-buffers-number", "8", ProxyOptions(upstream: UpstreamOptions(buffers: ProxyBuffers(size: "4k", count: 8)))),
        ("proxy-request-buffering", "off", ProxyOptions(upstream: UpstreamOptions(requestBuffering: false))),
        ("proxy-http-version", "1.0", ProxyOptions(upstream: UpstreamOptions(httpVersion: "1.0"))),
        ("proxy-next-upstream", "error http_502", ProxyOptions(upstream: UpstreamOptions(nextUpstream: ["error", "http_502"]))),
        ("proxy-next-upstream-tries", "5", ProxyOptions(upstream: UpstreamOptions(nextUpstreamTries: 5))),
        ("proxy-next-upstream-timeout", "9", ProxyOptions(upstream: UpstreamOptions(nextUpstreamTimeoutSeconds: 9))),
    ] as [(String, String, ProxyOptions)])
    func annotationDefaults(key: String, value: String, expected: ProxyOptions) {
        let table = Self.route([key: value])
        #expect(table.diagnostics == [], "\(table.diagnostics)")
        #expect(Self.options(table) == expected)
        #expect(table.global?.annotationDefaults == [key: value])
    }

    @Test(arguments: [
        ("proxy-body-size", "8 m"), ("proxy-connect-timeout", "0"), ("proxy-read-timeout", "60s"), ("proxy-send-timeout", "x"),
        ("proxy-buffering", "yes"), ("proxy-buffer-size", "512"), ("proxy-buffers-number", "2"), ("proxy-request-buffering", "1"),
        ("proxy-http-version", "2"), ("proxy-next-upstream", "error; return 200"), ("proxy-next-upstream-tries", "-1"),
        ("proxy-next-upstream-timeout", "3601"), ("custom-http-errors", "404,abc"), ("server-tokens", "maybe"), ("keep-alive", "1h"),
        ("keep-alive-requests", "0"), ("limit-req-status-code", "200"), ("limit-conn-status-code", "600"),
        ("use-forwarded-headers", "on"), ("forwarded-for-header", "X-Real IP"), ("compute-full-forwarded-for", "2"),
        ("use-proxy-protocol", "yes"), ("hsts", "no"), ("hsts-max-age", "1y"), ("hsts-include-subdomains", "x"),
        ("hsts-preload", "x"), ("upstream-keepalive-connections", "-3"), ("upstream-keepalive-time", "1 hour"),
        ("proxy-real-ip-cidr", "10.0.0.0/8, ${x}"),
    ])
    func invalidValuesAreADiagnosticAndTheDefault(key: String, value: String) throws {
        let table = Self.route([key: value])
        let d = try #require(table.diagnostics.first)
        #expect(table.diagnostics.count == 1)
        #expect(d.code == .invalidConfigMapValue)
        #expect(d.object == Self.reference)
        #expect(d.field == "data[\"\(key)\"]")
        #expect(d.description.contains("configmap ingress/portico") || d.description.contains("ingress/portico"))
        #expect(Self.options(table)?.isDefault == true)
        var expected = GlobalConfig()
        // An unreadable list of trusted proxies believes nobody rather than everybody.
        if key == "proxy-real-ip-cidr" { expected.realIPFrom = [] }
        #expect(table.global == expected)
    }

    /// Beside TLS passthrough the client's address from a PROXY header or forwarded headers is not
    /// honoured yet: a warning for each, and the connection's address stays the client's.
    @Test func passthroughRefusesTheClientAddressKeys() {
        var options = RoutingOptions(servesHTTPS: true)
        options.globalConfigMap = Self.reference
        options.sslPassthrough = true
        let data = ["use-proxy-protocol": "true", "use-forwarded-headers": "true", "server-tokens": "true"]
        var state = ClusterState()
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: data)]
        let (config, diagnostics) = GlobalConfig.read(state, options: options)
        #expect(config?.useProxyProtocol == false && config?.useForwardedHeaders == false && config?.serverTokens == true)
        let refused = diagnostics.filter { $0.message.contains("--enable-ssl-passthrough") }.map(\.field).sorted()
        #expect(refused == [#"data["use-forwarded-headers"]"#, #"data["use-proxy-protocol"]"#], "\(diagnostics)")
        options.sslPassthrough = false
        #expect(GlobalConfig.read(state, options: options).config?.useProxyProtocol == true)
    }

    @Test func annotationsBeatTheConfigMap() {
        let table = Self.route(
            ["proxy-body-size": "8m", "proxy-read-timeout": "120", "custom-http-errors": "503"],
            annotations: ["portico.io/proxy-body-size": "1k", Self.n + "proxy-read-timeout": "5", Self.n + "custom-http-errors": "404"])
        #expect(table.diagnostics == [])
        let options = Self.options(table)
        #expect(options?.maxBodySize == "1k")
        #expect(options?.readTimeoutSeconds == 5)
        #expect(options?.customErrors?.codes == [404])
    }

    @Test func customHTTPErrorsAndRedirectDefaults() {
        #expect(Self.options(Self.route(["custom-http-errors": "503, 404"]))?.customErrors?.codes == [404, 503])
        let tls = IngressTLS(hosts: ["a.test"], secretName: nil)
        var options = RoutingOptions(servesHTTPS: true)
        options.globalConfigMap = Self.reference
        func redirects(_ data: [String: String], tls: [IngressTLS]?) -> Bool? {
            var ingress = F.ingress("web", rules: [IngressRule(host: "a.test", paths: [F.path("/")])])
            ingress.spec.tls = tls ?? []
            var state = ClusterState(ingresses: [ingress], services: [F.service("web")])
            state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: data)]
            return Router(options: options).route(state).vhost("a.test")?.locations.first?.options.redirectsToHTTPS
        }
        #expect(redirects([:], tls: [tls]) == true)
        #expect(redirects(["ssl-redirect": "false"], tls: [tls]) == false)
        #expect(redirects([:], tls: nil) == false)
        #expect(redirects(["force-ssl-redirect": "true"], tls: nil) == true)
    }

    @Test func httpSettings() {
        let table = Self.route([
            "server-tokens": "true", "keep-alive": "30", "keep-alive-requests": "50", "limit-req-status-code": "429",
            "limit-conn-status-code": "429", "use-forwarded-headers": "true", "forwarded-for-header": "X-Client-IP",
            "compute-full-forwarded-for": "true", "use-proxy-protocol": "True", "proxy-real-ip-cidr": "10.0.0.0/8, 192.168.1.7",
            "hsts-max-age": "600", "hsts-include-subdomains": "false", "hsts-preload": "true", "upstream-keepalive-connections": "32",
            "upstream-keepalive-timeout": "60", "upstream-keepalive-requests": "100", "upstream-keepalive-time": "1h",
            "allow-snippet-annotations": "false",
        ])
        #expect(table.diagnostics == [], "\(table.diagnostics)")
        let g = table.global
        #expect(g?.serverTokens == true)
        #expect(g?.keepAliveSeconds == 30 && g?.keepAliveRequests == 50)
        #expect(g?.limitReqStatus == 429 && g?.limitConnStatus == 429)
        #expect(g?.realIPHeader == "proxy_protocol")
        #expect(g?.forwardedForHeader == "X-Client-IP")
        #expect(g?.forwardedForValue == "$portico_full_forwarded_for")
        #expect(g?.connectionAddress == "$proxy_protocol_addr")
        #expect(g?.realIPFrom.map(\.text) == ["10.0.0.0/8", "192.168.1.7/32"])
        #expect(g?.strictTransportSecurity == "max-age=600; preload")
        #expect(g?.setsHSTS == true)
        #expect(Self.options(table)?.isDefault == true)
    }

    @Test func defaultsWithoutKeysOrWithoutTheConfigMap() throws {
        let empty = Self.route([:])
        #expect(empty.diagnostics == [])
        #expect(empty.global == GlobalConfig())
        #expect(empty.global?.forwardedForValue == "$remote_addr")
        #expect(empty.global?.strictTransportSecurity == "max-age=31536000; includeSubDomains")
        let missing = Self.route(nil)
        #expect(missing.global == GlobalConfig())
        let d = try #require(missing.diagnostics.first)
        #expect(d.code == .configMapNotFound && d.object == Self.reference)
        // Without --configmap: nothing read, even with a ConfigMap of that name in the input.
        var state = ClusterState(ingresses: [], services: [])
        state.configMaps = [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: ["server-tokens": "true"])]
        #expect(Router().route(state).global == nil)
    }

    /// Snippets are refused, never copied; unknown keys and keys Portico does not implement are
    /// reported one diagnostic each.
    @Test func snippetsUnknownAndUnsupportedKeys() {
        let table = Self.route([
            "allow-snippet-annotations": "true", "http-snippet": "lua_shared_dict x 1m;", "server-snippet": "return 200;",
            "location-snippet": "x", "main-snippet": "load_module x;", "proxy-bodysize": "8m", "use-gzip": "true",
        ])
        let byField = Dictionary(uniqueKeysWithValues: table.diagnostics.map { ($0.field, $0) })
        #expect(table.diagnostics.count == 7)
        for key in ["allow-snippet-annotations", "http-snippet", "server-snippet", "location-snippet", "main-snippet"] {
            #expect(byField["data[\"\(key)\"]"]?.code == .unsupportedConfigMapKey)
            #expect(byField["data[\"\(key)\"]"]?.message.contains("refused") == true)
        }
        #expect(byField["data[\"proxy-bodysize\"]"]?.message.contains("not a key of ingress-nginx's ConfigMap") == true)
        #expect(byField["data[\"use-gzip\"]"]?.message.contains("not implemented") == true)
        // No value of theirs reaches the table.
        #expect(table.global == GlobalConfig())
        #expect(!table.diagnostics.contains { $0.message.contains("lua_shared_dict") || $0.message.contains("load_module") })
    }

    @Test func forceSSLRedirectWithoutHTTPSIsReported() {
        let table = Self.route(["force-ssl-redirect": "true"])
        #expect(table.diagnostics.map(\.code) == [.unsupportedConfigMapKey])
        #expect(table.global?.annotationDefaults == [:])
    }
}

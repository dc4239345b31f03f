import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// The checker reads TLS passthrough back: the HTTPS port's stream server and its PROXY header,
/// the name → Service map, the relay, Portico's own HTTPS behind them on loopback with
/// `proxy_protocol`, the client address trusted from that source only, and the 421 for a
/// passed-through host asked for on another name's connection.
@Suite struct ConfigCheckerPassthroughTests {
    static func table() -> RoutingTable {
        func ingress(_ name: String, _ host: String, _ service: String, port: Int, annotations: [String: String]? = nil) -> Ingress {
            Ingress(
                metadata: ObjectMeta(name: name, namespace: "default", annotations: annotations),
                spec: IngressSpec(rules: [
                    IngressRule(host: host, paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service(service, port: .init(number: port)))])
                ]))
        }
        let pass = ["nginx.ingress.kubernetes.io/ssl-passthrough": "true"]
        var options = RoutingOptions(servesHTTPS: true)
        options.sslPassthrough = true
        return Router(options: options).route(
            ClusterState(
                ingresses: [
                    ingress("vault", "vault.test", "vault", port: 8200, annotations: pass), ingress("git", "git.test", "git", port: 443, annotations: pass),
                    ingress("web", "web.test", "web", port: 80),
                ],
                services: ["vault", "git", "web"].map { Service(metadata: ObjectMeta(name: $0, namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: $0 == "vault" ? 8200 : $0 == "git" ? 443 : 80)])) }))
    }

    static let options: RenderOptions = {
        var o = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"], httpsPort: 8443)
        o.sslPassthrough = SSLPassthroughPorts(termination: 8442, relay: 8441)
        return o
    }()

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String) -> [ConfigProblem] { ConfigChecker().check(config, table: table(), options: options) }

    @Test func acceptsWhatTheRendererMakes() throws {
        let table = Self.table()
        #expect(table.passthrough.map(\.host.name) == ["git.test", "vault.test"], "\(table.diagnostics)")
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        for line in [
            "listen 127.0.0.1:8442 proxy_protocol ssl http2 default_server;", "set_real_ip_from 127.0.0.1;", "real_ip_header proxy_protocol;",
            "\"https:vault.test\" 1;", "return 421;", "vault.test vault.default.svc.cluster.local:8200;", "\"\" 127.0.0.1:8442;",
            "default 127.0.0.1:8441;", "listen 127.0.0.1:8443;", "ssl_preread on;", "listen 127.0.0.1:8441 proxy_protocol;",
            "load_module /usr/lib/nginx/modules/ngx_stream_module.so;", "proxy_pass https://$portico_upstream$request_uri;",
        ] {
            #expect(config.contains(line), "\(line)")
        }
        #expect(!config.contains("listen 127.0.0.1:8443 ssl"))
    }

    @Test func withoutPassthroughHostsTheConfigIsAsWithoutTheFlag() throws {
        var table = Self.table()
        table.passthrough = []
        var without = Self.options
        without.sslPassthrough = nil
        #expect(try ConfigRenderer().render(table, options: Self.options) == ConfigRenderer().render(table, options: without))
        // ... and a config that passes through when the table does not is refused.
        #expect(!ConfigChecker().check(try Self.config(), table: table, options: Self.options).isEmpty)
    }

    /// (what, from, to): each must be caught.
    static let mutations: [(String, String, String)] = [
        ("a host mapped to another backend", "vault.test vault.default.svc.cluster.local:8200;", "vault.test evil.default.svc.cluster.local:8200;"),
        ("a host mapped to another port", "vault.test vault.default.svc.cluster.local:8200;", "vault.test vault.default.svc.cluster.local:8201;"),
        ("a host passed through that is not", "        vault.test vault.default.svc.cluster.local:8200;\n",
         "        vault.test vault.default.svc.cluster.local:8200;\n        web.test web.default.svc.cluster.local:80;\n"),
        ("a passed-through host lost", "        git.test git.default.svc.cluster.local:443;\n", ""),
        ("a passthrough host reaching termination", "    map $portico_passthrough_upstream $portico_passthrough_next {\n        \"\" 127.0.0.1:8442;\n        default 127.0.0.1:8441;",
         "    map $portico_passthrough_upstream $portico_passthrough_next {\n        \"\" 127.0.0.1:8442;\n        vault.default.svc.cluster.local:8200 127.0.0.1:8442;\n        default 127.0.0.1:8441;"),
        ("every name to the relay", "\"\" 127.0.0.1:8442;", "\"\" 127.0.0.1:8441;"),
        ("the inner listener without proxy_protocol", "listen 127.0.0.1:8442 proxy_protocol ssl http2 default_server;", "listen 127.0.0.1:8442 ssl http2 default_server;"),
        ("the inner listener on every address", "listen 127.0.0.1:8442 proxy_protocol ssl http2 default_server;", "listen 8442 proxy_protocol ssl http2 default_server;"),
        ("HTTPS terminated on the public port too", "listen 127.0.0.1:8442 proxy_protocol ssl http2 default_server;",
         "listen 127.0.0.1:8442 proxy_protocol ssl http2 default_server;\n        listen 127.0.0.1:9443 ssl http2 default_server;"),
        ("real_ip trusting more than the internal source", "set_real_ip_from 127.0.0.1;", "set_real_ip_from 0.0.0.0/0;"),
        ("real_ip trusting another source too", "set_real_ip_from 127.0.0.1;", "set_real_ip_from 127.0.0.1;\n    set_real_ip_from 10.0.0.0/8;"),
        ("real_ip from a header a client sets", "real_ip_header proxy_protocol;", "real_ip_header X-Forwarded-For;"),
        ("no real_ip", "    real_ip_header proxy_protocol;\n", ""),
        ("no PROXY header to termination", "        proxy_protocol on;\n        proxy_pass $portico_passthrough_next;", "        proxy_pass $portico_passthrough_next;"),
        ("the relay forwarding the PROXY header", "        listen 127.0.0.1:8441 proxy_protocol;\n        ssl_preread on;\n",
         "        listen 127.0.0.1:8441 proxy_protocol;\n        ssl_preread on;\n        proxy_protocol on;\n"),
        ("the relay not taking the header off", "listen 127.0.0.1:8441 proxy_protocol;", "listen 127.0.0.1:8441;"),
        ("the relay on every address", "listen 127.0.0.1:8441 proxy_protocol;", "listen 8441 proxy_protocol;"),
        ("the HTTPS port's listener moved", "        listen 127.0.0.1:8443;\n        ssl_preread on;", "        listen 127.0.0.1:9443;\n        ssl_preread on;"),
        ("the relay to a fixed backend", "        proxy_pass $portico_passthrough_upstream;", "        proxy_pass 169.254.169.254:443;"),
        ("a passed-through host terminated by Portico", "        \"https:vault.test\" 1;\n", ""),
        ("the 421 gone", "            return 421;\n", "            return 200;\n"),
        ("the 421 gone entirely", "        if ($portico_passthrough_misdirected) {\n            return 421;\n        }\n", ""),
        ("the 421 after the rewrite", "        rewrite ^ /$portico_vhost$uri break;\n",
         "        rewrite ^ /$portico_vhost$uri break;\n        if ($portico_passthrough_misdirected) {\n            return 421;\n        }\n"),
        ("a map with hostnames", "    map $ssl_preread_server_name $portico_passthrough_upstream {\n",
         "    map $ssl_preread_server_name $portico_passthrough_upstream {\n        hostnames;\n"),
        ("an SNI regex", "        git.test git.default", "        ~.* evil.test:443;\n        git.test git.default"),
        ("a second preread server", "    server {\n        listen 127.0.0.1:8441 proxy_protocol;",
         "    server {\n        listen 127.0.0.1:9000;\n        ssl_preread on;\n        proxy_pass $portico_passthrough_upstream;\n    }\n    server {\n        listen 127.0.0.1:8441 proxy_protocol;"),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        var config = try Self.config()
        if what == "the 421 after the rewrite" {
            config = config.replacingOccurrences(of: "        if ($portico_passthrough_misdirected) {\n            return 421;\n        }\n", with: "")
        }
        guard let changed = mutated(config, what, from: from, to: to) else { return }
        #expect(changed != config)
        #expect(!Self.problems(changed).isEmpty, "not caught: \(what)")
    }
}

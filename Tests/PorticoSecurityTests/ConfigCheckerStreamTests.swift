import Foundation
import PorticoConfigCheck
import PorticoRender
import PorticoRouting
import Testing

/// The checker reads the `stream {}` block back: the module, each TCP and UDP server's ports,
/// timeouts, PROXY protocol and target, and each balanced group; anything else there is refused.
@Suite struct ConfigCheckerStreamTests {
    static func table() -> RoutingTable {
        var table = RoutingTable()
        let git = Upstream(host: "gitea.git.svc.cluster.local", port: 22)
        table.streams = [
            StreamServer(port: 2222, transport: .tcp, target: .resolved(git), source: "git/gitea:ssh"),
            StreamServer(
                port: 2223, transport: .tcp, target: .resolved(git), acceptsProxyProtocol: true, sendsProxyProtocol: true,
                source: "git/gitea:ssh"),
            StreamServer(
                port: 5432, transport: .tcp,
                target: .group([StreamMember(address: "10.96.12.1", port: 5432, weight: 3), StreamMember(address: "10.96.12.2", port: 5432)]),
                source: "db/pg-a:postgres,db/pg-b:postgres"),
            StreamServer(
                port: 53, transport: .udp, target: .resolved(Upstream(host: "kube-dns.kube-system.svc.cluster.local", port: 53)),
                source: "kube-system/kube-dns:dns"),
        ]
        return table
    }

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"])

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table(), options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        for line in [
            "load_module /usr/lib/nginx/modules/ngx_stream_module.so;", "listen 127.0.0.1:2223 proxy_protocol;",
            "proxy_protocol on;", "listen 127.0.0.1:53 udp;", "proxy_responses 1;",
            "server 10.96.12.1:5432 weight=3 max_fails=3 fail_timeout=10s;", "proxy_pass portico_stream_tcp_5432;",
            "set $portico_stream_upstream gitea.git.svc.cluster.local:22;",
        ] {
            #expect(config.contains(line), "\(line)")
        }
    }

    @Test func withoutStreamsThereIsNoModuleAndNoStreamBlock() throws {
        let config = try ConfigRenderer().render(RoutingTable(), options: Self.options)
        #expect(!config.contains("load_module") && !config.contains("stream {"))
        #expect(ConfigChecker().check(config, table: RoutingTable(), options: Self.options) == [])
        let injected = config.replacingOccurrences(of: "events {", with: "load_module /tmp/evil.so;\nevents {")
        #expect(!ConfigChecker().check(injected, table: RoutingTable(), options: Self.options).isEmpty)
    }

    /// (what, from, to): each must be caught.
    static let mutations: [(String, String, String)] = [
        ("another module", "ngx_stream_module.so;", "ngx_evil_module.so;"),
        ("a server moved to another port", "listen 127.0.0.1:2222;", "listen 127.0.0.1:2224;"),
        ("a server on every address", "listen 127.0.0.1:2222;", "listen 2222;"),
        ("PROXY protocol no longer expected", "listen 127.0.0.1:2223 proxy_protocol;", "listen 127.0.0.1:2223;"),
        ("PROXY protocol expected where it is not", "listen 127.0.0.1:2222;", "listen 127.0.0.1:2222 proxy_protocol;"),
        ("PROXY protocol no longer sent", "        proxy_protocol on;\n", ""),
        ("the client's address not passed on", "        set_real_ip_from 0.0.0.0/0;\n", ""),
        ("every address trusted on a port without PROXY protocol", "        listen 127.0.0.1:2222;\n",
         "        listen 127.0.0.1:2222;\n        set_real_ip_from 0.0.0.0/0;\n"),
        ("a half-close that closes the connection", "        proxy_half_close on;\n", ""),
        ("a UDP server without proxy_responses", "        proxy_responses 1;\n", ""),
        ("a UDP server as TCP", "listen 127.0.0.1:53 udp;", "listen 127.0.0.1:53;"),
        ("a longer idle timeout", "proxy_timeout 10s;", "proxy_timeout 600s;"),
        ("a server to another Service", "set $portico_stream_upstream gitea.git.svc.cluster.local:22;",
         "set $portico_stream_upstream evil.test:22;"),
        ("a server to another port", "set $portico_stream_upstream gitea.git.svc.cluster.local:22;",
         "set $portico_stream_upstream gitea.git.svc.cluster.local:23;"),
        ("a literal proxy_pass", "        set $portico_stream_upstream gitea.git.svc.cluster.local:22;\n        proxy_pass $portico_stream_upstream;",
         "        proxy_pass gitea.git.svc.cluster.local:22;"),
        ("a group member changed", "server 10.96.12.2:5432 max_fails", "server 10.96.12.9:5432 max_fails"),
        ("a group member added", "server 10.96.12.2:5432 max_fails=3 fail_timeout=10s;",
         "server 10.96.12.2:5432 max_fails=3 fail_timeout=10s;\n        server 192.0.2.1:5432 max_fails=3 fail_timeout=10s;"),
        ("a weight changed", "weight=3", "weight=9"),
        ("no passive health check", "weight=3 max_fails=3 fail_timeout=10s;", "weight=3;"),
        ("a backup member", "weight=3 max_fails=3 fail_timeout=10s;", "weight=3 max_fails=3 fail_timeout=10s backup;"),
        ("a server using the group of another", "proxy_pass portico_stream_tcp_5432;", "proxy_pass portico_stream_udp_5432;"),
        ("an unknown directive in stream", "    proxy_connect_timeout 5s;\n", "    proxy_connect_timeout 5s;\n    js_import evil.js;\n"),
        ("an unknown directive in a server", "        proxy_responses 1;\n", "        proxy_responses 1;\n        access_log /tmp/x;\n"),
        ("a server no entry asked for", "    # UDP 53", "    server {\n        listen 127.0.0.1:6000;\n        proxy_timeout 600s;\n        proxy_pass portico_stream_tcp_5432;\n    }\n    # UDP 53"),
        ("a lost server", "        listen 127.0.0.1:53 udp;\n", "        listen 127.0.0.1:2222;\n"),
        ("another resolver", "resolver 10.96.0.10 valid=10s;\n    resolver_timeout 5s;\n    proxy_connect", "resolver 192.0.2.53 valid=10s;\n    resolver_timeout 5s;\n    proxy_connect"),
        ("a module loaded after events", "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n", ""),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        var config = try Self.config()
        if what == "a module loaded after events" {
            config = config.replacingOccurrences(of: "\nhttp {", with: "\nload_module /usr/lib/nginx/modules/ngx_stream_module.so;\nhttp {")
        }
        guard let changed = mutated(config, what, from: from, to: to) else { return }
        #expect(changed != config)
        #expect(!Self.problems(changed).isEmpty, "not caught: \(what)")
    }
}

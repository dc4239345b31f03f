import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// Basic and external authentication, read back by the checker: what the renderer makes passes,
/// and every way of weakening it (a directive dropped, a value changed or added, the auth location
/// opened, the rewrite or the sign-in redirect changed) is caught.
@Suite struct ConfigCheckerAuthTests {
    static let file = "auth/0123456789abcdef0123456789abcdef.htpasswd"
    static let signin = "https://$host/start?rd=$scheme://$http_host$portico_escaped_request_uri"

    static func table() -> RoutingTable {
        let web = Backend.upstream(Upstream(host: "web.default.svc.cluster.local", port: 80))
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")
        let external = ExternalAuthentication(
            url: "http://auth.default.svc.cluster.local:80/verify?x=1", host: "auth.default.svc.cluster.local", signin: signin,
            responseHeaders: ["X-Auth-User", "X-Auth-Groups"])
        var withMethod = ExternalAuthentication(url: "https://10.0.0.9:8443/check", host: "10.0.0.9", method: "GET", requestRedirect: "/next")
        withMethod.alwaysSetCookie = true
        return RoutingTable(
            virtualHosts: [
                VirtualHost(
                    host: Host("basic.test")!,
                    locations: [
                        Location(
                            path: "/", match: .prefix, backend: web,
                            options: ProxyOptions(auth: Authentication(basic: BasicAuthentication(realm: "Team", file: file))), source: ref, field: "f"),
                        Location(
                            path: "/b", match: .prefix, backend: web,
                            options: ProxyOptions(auth: Authentication(basic: BasicAuthentication(realm: "", file: file))), source: ref, field: "f"),
                        Location(path: "/open", match: .prefix, backend: web, source: ref, field: "f"),
                    ]),
                VirtualHost(
                    host: Host("ext.test")!,
                    locations: [
                        Location(path: "/", match: .prefix, backend: web, options: ProxyOptions(auth: Authentication(external: external)), source: ref, field: "f"),
                        Location(path: "/m", match: .exact, backend: web, options: ProxyOptions(auth: Authentication(external: withMethod)), source: ref, field: "f"),
                        Location(
                            path: "/both", match: .prefix, backend: web,
                            options: ProxyOptions(auth: Authentication(basic: BasicAuthentication(realm: "Both", file: file), external: withMethod)),
                            source: ref, field: "f"),
                    ]),
            ],
            upstreams: [Upstream(host: "web.default.svc.cluster.local", port: 80)],
            authFiles: [AuthFile(path: file, content: "alice:x\n", secret: ObjectReference(kind: "Secret", namespace: "default", name: "s"))])
    }

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"], statusPort: 9000, generation: 7)

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String, table: RoutingTable = table()) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        // With HTTPS too.
        let https = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], httpsPort: 8443)
        #expect(ConfigChecker().check(try ConfigRenderer().render(Self.table(), options: https), table: Self.table(), options: https) == [])
    }

    /// (what is changed, from, to): each must be caught. `from` is the first occurrence.
    static let mutations: [(String, String, String)] = [
        ("a removed auth_basic", "auth_basic $portico_auth_realm;\n", ""),
        ("auth_basic off", "auth_basic $portico_auth_realm;", "auth_basic off;"),
        ("a removed user file", "auth_basic_user_file $portico_auth_file;\n", ""),
        ("a fixed user file", "auth_basic_user_file $portico_auth_file;", "auth_basic_user_file /etc/passwd;"),
        ("credentials passed on", "proxy_set_header Authorization \"\";\n", ""),
        ("credentials dropped without basic auth", "proxy_set_header X-Auth-User $portico_auth_header_0;", "proxy_set_header X-Auth-User $portico_auth_header_0;\n            proxy_set_header Authorization \"\";"),
        ("a realm of off", "set $portico_auth_realm \"Team\";", "set $portico_auth_realm \"off\";"),
        ("another realm", "set $portico_auth_realm \"Team\";", "set $portico_auth_realm \"Other\";"),
        ("a realm that adds a directive", "set $portico_auth_realm \"Team\";", "set $portico_auth_realm \"Team\"; auth_basic off;"),
        ("a file the table does not write", "set $portico_auth_file \(file);", "set $portico_auth_file auth/ffffffffffffffffffffffffffffffff.htpasswd;"),
        ("a route without its file", "set $portico_auth_file \(file);\n", ""),
        ("a removed auth_request", "auth_request //portico-auth;\n", ""),
        ("an auth_request elsewhere", "auth_request //portico-auth;", "auth_request /;"),
        ("another auth URL", "set $portico_auth_url \"http://auth.default.svc.cluster.local:80/verify?x=1\";", "set $portico_auth_url \"http://169.254.169.254/\";"),
        ("a variable in the auth URL", "set $portico_auth_url \"http://auth.default.svc.cluster.local:80/verify?x=1\";", "set $portico_auth_url \"http://$http_x_evil/\";"),
        ("another Host for the auth service", "set $portico_auth_host \"auth.default.svc.cluster.local\";", "set $portico_auth_host \"evil.test\";"),
        ("another method", "set $portico_auth_method GET;", "set $portico_auth_method POST;"),
        ("X-Original-URI without auth-method", "set $portico_auth_original_uri \"\";", "set $portico_auth_original_uri $request_uri;"),
        ("another X-Auth-Request-Redirect", "set $portico_auth_redirect \"/next\";", "set $portico_auth_redirect $request_uri;"),
        ("a route without its auth URL", "set $portico_auth_url \"http://auth.default.svc.cluster.local:80/verify?x=1\";\n", ""),
        ("a client header for an auth header", "proxy_set_header X-Auth-User $portico_auth_header_0;", "proxy_set_header X-Auth-User $http_x_auth_user;"),
        ("another auth service header", "auth_request_set $portico_auth_header_0 $upstream_http_x_auth_user;", "auth_request_set $portico_auth_header_0 $upstream_http_x_other;"),
        ("an auth header not sent", "proxy_set_header X-Auth-Groups $portico_auth_header_1;\n", ""),
        ("the cookie always", "add_header Set-Cookie $portico_auth_cookie;", "add_header Set-Cookie $portico_auth_cookie always;"),
        ("no sign-in redirect", "error_page 401 = @portico_auth_signin;\n", ""),
        ("no error page chain", "recursive_error_pages on;\n", ""),
        ("another sign-in URL", "set $portico_auth_signin \"\(signin)\";", "set $portico_auth_signin \"https://evil.test/\";"),
        ("a sign-in redirect elsewhere", "return 302 $portico_auth_signin;", "return 302 https://evil.test/;"),
        ("an auth location open to clients", "            internal;\n", ""),
        ("an auth location that proxies elsewhere", "proxy_pass $portico_auth_url;", "proxy_pass http://169.254.169.254;"),
        ("an auth location that sends the body", "proxy_pass_request_body off;", "proxy_pass_request_body on;"),
        ("a rewrite that rewrites the auth subrequest", "rewrite ^(?!//portico-auth$) /$portico_vhost$uri break;", "rewrite ^ /$portico_vhost$uri break;"),
        ("a rewrite that skips more", "rewrite ^(?!//portico-auth$) /$portico_vhost$uri break;", "rewrite ^(?!/) /$portico_vhost$uri break;"),
        ("a changed escape map", #""~^([^%&+;]*)&" "$1%26";"#, #""~^([^%&+;]*)&" "$1&";"#),
        ("a missing variables hash size", "variables_hash_max_size 2048;\n", ""),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        let config = try Self.config()
        guard let mutated = mutated(config, what, from: from, to: to) else { return }
        #expect(!Self.problems(mutated).isEmpty, "\(what) was not caught")
    }

    /// Without any external authentication, an auth location (or the amended rewrite) is refused.
    @Test func noAuthLocationWithoutExternalAuthentication() throws {
        var table = Self.table()
        table.virtualHosts.removeLast()
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table: table) == [])
        #expect(!config.contains("portico-auth") && !config.contains("portico_rd_"))
        let amended = config.replacingOccurrences(of: "rewrite ^ /$portico_vhost$uri break;", with: "rewrite ^(?!//portico-auth$) /$portico_vhost$uri break;")
        #expect(!Self.problems(amended, table: table).isEmpty)
        let opened = config.replacingOccurrences(
            of: "        location / {\n", with: "        location = //portico-auth {\n            internal;\n        }\n        location / {\n")
        #expect(!Self.problems(opened, table: table).isEmpty)
    }
}

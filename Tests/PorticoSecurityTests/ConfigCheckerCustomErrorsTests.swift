import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// `custom-http-errors` and `default-backend`, read back by the checker: what the renderer makes
/// passes, and every way of sending an error elsewhere, changing what the default backend is told,
/// or dropping a page is caught.
@Suite struct ConfigCheckerCustomErrorsTests {
    static let errors = Upstream(host: "errors.default.svc.cluster.local", port: 8080)

    static func table() -> RoutingTable {
        let web = Upstream(host: "web.default.svc.cluster.local", port: 80)
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")
        func options(_ codes: [Int], backend: Bool = true, service: String = "web") -> ProxyOptions {
            var o = ProxyOptions()
            o.customErrors = CustomErrors(
                codes: codes, defaultBackend: backend ? errors : nil,
                origin: backend ? CustomErrors.Origin(namespace: "default", ingress: "i", service: service, port: "80") : nil)
            return o
        }
        return RoutingTable(
            virtualHosts: [
                VirtualHost(
                    host: Host("e.test")!,
                    locations: [
                        Location(path: "/", match: .prefix, backend: .upstream(web), options: options([404, 503]), source: ref, field: "f"),
                        Location(path: "/gone", match: .exact, backend: .unavailable(status: 503), options: options([], service: "gone"), source: ref, field: "f"),
                        Location(path: "/none", match: .prefix, backend: .upstream(web), options: options([401, 500], backend: false), source: ref, field: "f"),
                        Location(path: "/plain", match: .prefix, backend: .upstream(web), source: ref, field: "f"),
                    ]),
            ],
            upstreams: [errors, web])
    }

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"], statusPort: 9000, generation: 7)

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String, table: RoutingTable = table()) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        for line in [
            "proxy_intercept_errors on;", "error_page 404 = @portico_error_404;", "error_page 401 500 = @portico_error_none;",
            "error_page 502 = @portico_default_backend;", "error_page 503 = @portico_default_backend;", "location @portico_error_503 {",
            "set $portico_error_backend \"errors.default.svc.cluster.local:8080\";",
        ] {
            #expect(config.contains(line), "\(line)")
        }
        let https = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], httpsPort: 8443)
        #expect(ConfigChecker().check(try ConfigRenderer().render(Self.table(), options: https), table: Self.table(), options: https) == [])
    }

    /// (what is changed, from, to): each must be caught. `from` is the first occurrence.
    static let mutations: [(String, String, String)] = [
        ("errors not intercepted", "proxy_intercept_errors on;\n", ""),
        ("an error page to another code's location", "error_page 404 = @portico_error_404;", "error_page 404 = @portico_error_503;"),
        ("an error page dropped", "error_page 503 = @portico_error_503;\n", ""),
        ("an error page added", "error_page 404 = @portico_error_404;", "error_page 404 = @portico_error_404;\n error_page 500 = @portico_error_500;"),
        ("codes to none that had a default backend", "error_page 404 = @portico_error_404;", "error_page 404 = @portico_error_none;"),
        ("a code left out of none's page", "error_page 401 500 = @portico_error_none;", "error_page 500 = @portico_error_none;"),
        ("no default backend for nginx's 502", "error_page 502 = @portico_default_backend;\n", ""),
        ("another default backend", "set $portico_error_backend \"errors.default.svc.cluster.local:8080\";", "set $portico_error_backend \"169.254.169.254:80\";"),
        ("a variable for the default backend", "set $portico_error_backend \"errors.default.svc.cluster.local:8080\";", "set $portico_error_backend $http_x_evil;"),
        ("another Service named", "set $portico_error_service \"web\";", "set $portico_error_service \"db\";"),
        ("a name dropped", "set $portico_error_ingress \"i\";\n", ""),
        ("no error page chain", "recursive_error_pages on;\n", ""),
        ("a missing Service answering 503 itself", "error_page 503 = @portico_default_backend;\n", ""),
        ("another X-Code", "proxy_set_header X-Code 404;", "proxy_set_header X-Code 200;"),
        ("the error location asks for another path", "rewrite ^ / break;", "rewrite ^ /admin break;"),
        ("the error location proxies elsewhere", "proxy_pass http://$portico_error_backend;", "proxy_pass http://$portico_upstream;"),
        ("the client's X-Code header", "proxy_set_header X-Format $http_accept;", "proxy_set_header X-Format $http_x_code;"),
        ("none answers 200", "location @portico_error_none {\n            return 404;", "location @portico_error_none {\n            return 200;"),
        ("the default backend proxies elsewhere", "proxy_pass http://$portico_error_backend$request_uri;", "proxy_pass http://$portico_upstream$request_uri;"),
        ("a client's request id unchecked", "\"\" $request_id;", "\"\" $http_host;"),
        ("an error location no route needs", "location @portico_error_none {", "location @portico_error_599 {\n return 404;\n }\n location @portico_error_none {"),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        let config = try Self.config()
        guard let mutated = mutated(config, what, from: from, to: to) else { return }
        #expect(!Self.problems(mutated).isEmpty, "\(what) was not caught")
    }

    /// from-to-www-redirect: the redirected name's map entry and location, read back.
    static func wwwTable() -> RoutingTable {
        var table = table()
        table.virtualHosts[0].redirectsFromToWWW = true
        return table
    }

    static let wwwMutations: [(String, String, String)] = [
        ("a redirect elsewhere", "return 308 \"$scheme://e.test:$server_port$portico_www_path\";", "return 308 \"$scheme://evil.test:$server_port$portico_www_path\";"),
        ("a redirect without the port", "return 308 \"$scheme://e.test:$server_port$portico_www_path\";", "return 308 \"$scheme://e.test$portico_www_path\";"),
        ("the redirected name served as the host", "www.e.test www.e.test;", "www.e.test e.test;"),
        ("no map entry", "        www.e.test www.e.test;\n", ""),
        ("the slash kept", "\"~^(.*)/$\" $1;\n    }\n\n    # custom-http-errors", "\"~^(.*)$\" $1;\n    }\n\n    # custom-http-errors"),
        ("another status", "return 308 \"$scheme://e.test", "return 302 \"$scheme://e.test"),
    ]

    @Test func readsTheWWWRedirectBack() throws {
        let table = Self.wwwTable()
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table: table) == [], "\(config)")
        #expect(config.contains("location /www.e.test/ {"))
        for (what, from, to) in Self.wwwMutations {
            guard let mutated = mutated(config, what, from: from, to: to) else { continue }
            #expect(!Self.problems(mutated, table: table).isEmpty, "\(what) was not caught")
        }
        // A config with the redirect for a table without it.
        #expect(!Self.problems(config).isEmpty)
    }

    /// Without custom errors nothing of them is rendered, and any of it is refused.
    @Test func nothingOfItWithoutCustomErrors() throws {
        var table = Self.table()
        table.virtualHosts[0].locations = [table.virtualHosts[0].locations[3]]
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table: table) == [])
        #expect(!config.contains("portico_error") && !config.contains("portico_request_id") && !config.contains("portico_default_backend"))
        // The same config with another table's error location in it.
        let with = try Self.config()
        guard let start = with.range(of: "        # default-backend: the route's"), let end = with.range(of: "$request_uri;\n        }\n", range: start.upperBound..<with.endIndex)
        else {
            Issue.record("no default backend location in \(with)")
            return
        }
        let block = String(with[start.lowerBound..<end.upperBound])
        guard let extra = mutated(config, "an unneeded default backend location", from: "        # host e.test", to: block + "\n        # host e.test") else { return }
        #expect(!Self.problems(extra, table: table).isEmpty)
    }
}

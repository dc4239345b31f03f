import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

/// The checker must accept what the renderer makes of a table and refuse every kind of drift:
/// each mutation below is an injection or a routing mistake it has to catch.
@Suite struct ConfigCheckerTests {
    static func table() -> RoutingTable {
        let web = Backend.upstream(Upstream(host: "web.default.svc.cluster.local", port: 80))
        let api = Backend.upstream(Upstream(host: "api.default.svc.cluster.local", port: 8080))
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")
        return RoutingTable(
            virtualHosts: [
                VirtualHost(
                    host: Host("*.apps.test")!,
                    locations: [Location(path: "/", match: .prefix, backend: web, source: ref, field: "f")]),
                VirtualHost(
                    host: Host("a.test")!,
                    locations: [
                        Location(path: "/api", match: .prefix, backend: api, source: ref, field: "f"),
                        Location(path: "/exact", match: .exact, backend: .unavailable(status: 503), source: ref, field: "f"),
                        Location(
                            path: "/slow", match: .prefix, backend: web,
                            options: ProxyOptions(readTimeoutSeconds: 30, maxBodySize: "8m"), source: ref, field: "f"),
                        Location(
                            path: "/admin", match: .prefix, backend: web,
                            options: ProxyOptions(
                                access: SourceAccess(deny: [SourceRange("10.9.0.0/16")!], allow: [SourceRange("10.0.0.0/8")!])),
                            source: ref, field: "f"),
                    ], fallback: web),
                VirtualHost(
                    host: Host("b.test")!,
                    locations: [
                        Location(path: "/", match: .prefix, backend: web, options: ProxyOptions(maxBodySize: "1k"), source: ref, field: "f"),
                        Location(path: "/one", match: .prefix, backend: api, source: ref, field: "f"),
                        Location(path: "/two", match: .prefix, backend: web, source: ref, field: "f"),
                        Location(path: "/two/three", match: .prefix, backend: api, source: ref, field: "f"),
                    ], aliases: ["www.b.test", "a.test"]),
                VirtualHost(
                    host: Host("grpc.test")!,
                    locations: [
                        Location(
                            path: "/", match: .prefix, backend: api,
                            options: ProxyOptions(
                                readTimeoutSeconds: 45, access: SourceAccess(allow: [SourceRange("10.1.0.0/16")!]),
                                upstream: UpstreamOptions(backendProtocol: .grpc)), source: ref, field: "f")
                    ]),
                VirtualHost(
                    host: Host("moved.test")!,
                    locations: [
                        Location(
                            path: "/old", match: .exact, backend: .redirect(status: 301, url: "https://new.example/x?a=1"),
                            source: ref, field: "f")
                    ]),
                // ingress-nginx's regex matching, in its order: a rewritten route, then the root.
                VirtualHost(
                    host: Host("r.test")!,
                    locations: [
                        Location(
                            path: "/api(/|$)(.*)", match: .regex, backend: api, options: ProxyOptions(rewriteTarget: "/$2"), source: ref,
                            field: "f"),
                        Location(path: "/", match: .regex, backend: web, source: ref, field: "f"),
                    ]),
                // enable-cors: any origin, and a list (one label wildcard, a port).
                VirtualHost(
                    host: Host("cors.test")!,
                    locations: [
                        Location(path: "/any", match: .prefix, backend: web, options: ProxyOptions(cors: CORSPolicy()), source: ref, field: "f"),
                        Location(
                            path: "/list", match: .prefix, backend: api,
                            options: ProxyOptions(
                                cors: CORSPolicy(
                                    origins: ["https://a.example", "https://*.b.example:8443"], exposeHeaders: "X-Total", credentials: false)),
                            source: ref, field: "f"),
                    ]),
                // gRPC behind a rewrite: grpc_pass sends the rewritten path, with the prefix header.
                VirtualHost(
                    host: Host("rg.test")!,
                    locations: [
                        Location(
                            path: "/svc(/|$)(.*)", match: .regex, backend: api,
                            options: ProxyOptions(rewriteTarget: "/$2", upstream: UpstreamOptions(forwardedPrefix: "/svc", backendProtocol: .grpc)),
                            source: ref, field: "f")
                    ]),
                // Rate limits: one Ingress with every kind and exempt addresses, one per minute only.
                VirtualHost(
                    host: Host("rl.test")!,
                    locations: [
                        Location(path: "/all", match: .prefix, backend: web, options: ProxyOptions(rateLimit: everyLimit), source: ref, field: "f"),
                        Location(
                            path: "/slow", match: .prefix, backend: api,
                            options: ProxyOptions(
                                rateLimit: RateLimit(
                                    id: RateLimit.id(perMinuteIngress), ingress: perMinuteIngress, perMinute: RateLimit.Limit(rate: 30, burst: 0))),
                            source: perMinuteIngress, field: "f"),
                    ]),
                VirtualHost(
                    host: Host("up.test")!,
                    locations: [
                        Location(path: "/", match: .prefix, backend: api, options: ProxyOptions(upstream: everyUpstreamSetting), source: ref, field: "f")
                    ]),
            ],
            catchAll: CatchAll(locations: [Location(path: "/x", match: .exact, backend: web, source: ref, field: "f")]),
            upstreams: [Upstream(host: "api.default.svc.cluster.local", port: 8080), Upstream(host: "web.default.svc.cluster.local", port: 80)])
    }

    static let limitedIngress = ObjectReference(kind: "Ingress", namespace: "default", name: "limited")
    static let perMinuteIngress = ObjectReference(kind: "Ingress", namespace: "default", name: "per-minute")
    /// ingress-nginx's rate-limit annotations, all at once.
    static let everyLimit = RateLimit(
        id: RateLimit.id(limitedIngress), ingress: limitedIngress, perSecond: RateLimit.Limit(rate: 10, burst: 50),
        perMinute: RateLimit.Limit(rate: 300, burst: 1500), connections: 4, exempt: [SourceRange("10.0.0.0/8")!, SourceRange("192.168.1.1")!],
        rateKiB: 100, rateAfterKiB: 1024)

    /// ingress-nginx's proxying annotations, all at once.
    static let everyUpstreamSetting = UpstreamOptions(
        buffering: false, buffers: ProxyBuffers(size: "16k", count: 8), requestBuffering: false, httpVersion: "1.0",
        nextUpstream: ["error", "http_502"], nextUpstreamTries: 2, nextUpstreamTimeoutSeconds: 10, host: "api.internal",
        forwardedPrefix: "/shop", accessLogOff: true, backendProtocol: .https)

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"], statusPort: 9000, generation: 7)

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table(), options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        #expect(Self.problems(try Self.config()) == [])
    }

    @Test func checksBothListensWithIPv6() throws {
        let options = RenderOptions(httpPort: 8080, listenIPv6: true, resolvers: ["10.96.0.10"])
        let config = try ConfigRenderer().render(Self.table(), options: options)
        #expect(ConfigChecker().check(config, table: Self.table(), options: options) == [])
        for (from, to) in [
            ("listen [::]:8080 default_server;", ""), ("listen [::]:8080 default_server;", "listen [::]:8080;"),
            ("listen [::]:8080 default_server;", "listen [::]:8081 default_server;"),
        ] {
            guard let r = config.range(of: from) else {
                Issue.record("\(from) is not in the config")
                continue
            }
            #expect(!ConfigChecker().check(config.replacingCharacters(in: r, with: to), table: Self.table(), options: options).isEmpty, "\(from)")
        }
    }

    /// (what is changed, from, to): each must be caught.
    static let mutations: [(String, String, String)] = [
        ("an alias in a location", "return 503;", "return 503; alias /etc/;"),
        ("a root in a server", "server_name _;", "server_name _; root /etc;"),
        ("an extra location", "location = /a.test/exact {", "location /a.test/etc/ { return 404; }\n        location = /a.test/exact {"),
        ("a location outside every host", "location = /a.test/exact {", "location /etc/ { return 404; }\n        location = /a.test/exact {"),
        ("a missing location", "location = /a.test/exact {", "location = /a.test/exact2 {"),
        ("a changed modifier", "location = /a.test/exact {", "location ^~ /a.test/exact {"),
        ("an exact turned regex", "location = /a.test/exact {", "location ~ /a.test/exact {"),
        ("a changed host entry", "a.test a.test;", "a.test b.test;"),
        ("an extra host entry", "a.test a.test;", "a.test a.test;\n        evil.test a.test;"),
        ("a hostnames map", "a.test a.test;", "hostnames;\n        a.test a.test;"),
        ("a regex host entry", "a.test a.test;", "a.test a.test;\n        ~.* a.test;"),
        ("a widened wildcard", "apps.test *.apps.test;", "test *.apps.test;"),
        ("a widened parent", #""~^[^.]+\.(.+)$" $1;"#, #""~^.+?\.(.+)$" $1;"#),
        ("a changed vhost choice", "default $portico_exact_host;", "default a.test;"),
        ("a changed rewrite", "rewrite ^ /$portico_vhost$uri break;", "rewrite ^ /a.test$uri break;"),
        ("a second rewrite", "rewrite ^ /$portico_vhost$uri break;", "rewrite ^ /$portico_vhost$uri break;\n        rewrite ^ /x last;"),
        ("a changed upstream", "set $portico_upstream api.default.svc.cluster.local:8080;", "set $portico_upstream evil.test:80;"),
        ("an upstream of another location", "set $portico_upstream api.default.svc.cluster.local:8080;", "set $portico_upstream web.default.svc.cluster.local:80;"),
        ("a swapped route map entry", #""/b.test/one" api.default.svc.cluster.local:8080;"#, #""/b.test/one" web.default.svc.cluster.local:80;"#),
        ("a lost route map entry", #""/b.test/one" api.default.svc.cluster.local:8080;"#, ""),
        ("a route map entry to elsewhere", #""/b.test/one" api.default.svc.cluster.local:8080;"#, #""/b.test/one" evil.test:80;"#),
        ("an unescaped dot", #"^/a\.test/admin(?:/|$)"#, #"^/a.test/admin(?:/|$)"#),
        ("a regex without a segment boundary", #"^/a\.test/admin(?:/|$)"#, #"^/a\.test/admin"#),
        ("a shorter prefix tried first", #"(?:/two/three|/one|/two)"#, #"(?:/two|/one|/two/three)"#),
        ("a route after Prefix /", "        # no rule matched: default backend", "        location = /a.test/late { return 404; }\n        # no rule matched: default backend"),
        ("a lost handover to settings", "error_page 418 = @portico_proxy_69106192;", "error_page 418 = @portico_proxy;"),
        ("a handover to no location", "error_page 418 = @portico_proxy_69106192;", "error_page 418 = @elsewhere;"),
        ("a changed status", "return 503;", "return 200;"),
        ("a proxy_pass elsewhere", "proxy_pass http://$portico_upstream$request_uri;", "proxy_pass http://169.254.169.254;"),
        ("a proxy_pass that loses the request-target", "proxy_pass http://$portico_upstream$request_uri;", "proxy_pass http://$portico_upstream;"),
        ("a proxy_pass in a route", "error_page 418 = @portico_proxy_69106192;\n                return 418;", "proxy_pass http://$portico_upstream$request_uri;"),
        ("a lost timeout", "proxy_read_timeout 30s;", ""),
        ("a lost deny all", "deny all;", ""),
        ("a widened allow", "allow 10.0.0.0/8;", "allow 0.0.0.0/0;"),
        ("an allow all", "deny all;", "allow all;"),
        ("a lost deny", "deny 10.9.0.0/16;", ""),
        ("allow and deny swapped", "deny 10.9.0.0/16;\n            allow 10.0.0.0/8;", "allow 10.0.0.0/8;\n            deny 10.9.0.0/16;"),
        ("a changed body size", "client_max_body_size 8m;", "client_max_body_size 0;"),
        ("a lost body size on the route", "client_max_body_size 8m;\n                set", "set"),
        ("settings on a host's own location", "location /a.test/ {", "location /a.test/ {\n            client_max_body_size 0;"),
        ("a lost catch-all location", "location / {\n            return 404;\n        }\n    }\n}", "}\n}"),
        ("a quoted breakout", "server_name _;", "server_name \"_; root /etc\";"),
        ("an unterminated quote", "server_name _;", "server_name \"_;"),
        ("an extra server", "http {", "http {\n    server { listen 8080; server_name evil.test; }"),
        ("an include", "http {", "http {\n    include /etc/nginx/conf.d/*.conf;"),
        ("a load_module", "worker_processes", "load_module /tmp/evil.so;\nworker_processes"),
        ("a changed listen", "listen 127.0.0.1:8080 default_server;", "listen 8080 default_server;"),
        ("an unbalanced brace", "return 503;", "return 503; }"),
        ("a status server answer", #"return 200 "7";"#, #"return 200 "pwned";"#),
        ("a changed resolver", "resolver 10.96.0.10 valid=10s;", "resolver 10.96.0.10 8.8.8.8 valid=10s;"),
        ("a worker user", "worker_processes", "user root;\nworker_processes"),
        ("a changed redirect URL", #""https://new.example/x?a=1""#, #""https://evil.example/x?a=1""#),
        ("a changed redirect status", #"return 301 "https://new.example"#, #"return 302 "https://new.example"#),
        ("a variable in a redirect", #""https://new.example/x?a=1""#, #""https://$host/x?a=1""#),
        ("a redirect turned proxy", #"return 301 "https://new.example/x?a=1";"#,
         "set $portico_upstream web.default.svc.cluster.local:80;\n                error_page 418 = @portico_proxy;\n                return 418;"),
        ("a lost proxy_buffering", "proxy_buffering off;", ""),
        ("a changed proxy_buffering", "proxy_buffering off;", "proxy_buffering on;"),
        ("a changed buffer size", "proxy_buffer_size 16k;", "proxy_buffer_size 1m;"),
        ("buffers of another size", "proxy_buffers 8 16k;", "proxy_buffers 8 32k;"),
        ("a changed number of buffers", "proxy_buffers 8 16k;", "proxy_buffers 9 16k;"),
        ("buffers without their size", "proxy_buffer_size 16k;", ""),
        ("a changed request buffering", "proxy_request_buffering off;", "proxy_request_buffering on;"),
        ("a changed HTTP version", "proxy_http_version 1.0;", "proxy_http_version 1.1;"),
        ("an added retry condition", "proxy_next_upstream error http_502;", "proxy_next_upstream error http_502 non_idempotent;"),
        ("a retry condition nginx does not know", "proxy_next_upstream error http_502;", "proxy_next_upstream error updating;"),
        ("changed tries", "proxy_next_upstream_tries 2;", "proxy_next_upstream_tries 0;"),
        ("a changed retry timeout", "proxy_next_upstream_timeout 10s;", "proxy_next_upstream_timeout 1s;"),
        ("a lost access_log off", "access_log off;\n            proxy_buffering", "proxy_buffering"),
        ("an access log to a file", "access_log off;\n            proxy_buffering", "access_log /etc/passwd;\n            proxy_buffering"),
        ("a changed upstream Host", #"set $portico_upstream_vhost "api.internal";"#, #"set $portico_upstream_vhost "evil.test";"#),
        ("the client's Host instead of upstream-vhost", "proxy_set_header Host $portico_upstream_vhost;", "proxy_set_header Host $portico_host;"),
        ("a variable as upstream Host", #"set $portico_upstream_vhost "api.internal";"#, #"set $portico_upstream_vhost "$http_x_host";"#),
        ("a fixed Host instead of the routes'", "proxy_set_header Host $portico_upstream_vhost;", #"proxy_set_header Host "evil.test";"#),
        ("upstream-vhost's Host not set by its route", #"set $portico_upstream_vhost "api.internal";"#, ""),
        ("an unquoted variable as the route's Host", #"set $portico_upstream_vhost "api.internal";"#, "set $portico_upstream_vhost $http_x_host;"),
        ("a lost forwarded header beside the route's own",
         "proxy_set_header X-Real-IP $remote_addr;\n            proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection $portico_connection;\n            proxy_set_header X-Forwarded-Prefix",
         "proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection $portico_connection;\n            proxy_set_header X-Forwarded-Prefix"),
        ("a header twice", #"proxy_set_header X-Forwarded-Prefix "/shop";"#, #"proxy_set_header X-Forwarded-Prefix "/shop"; proxy_set_header host $portico_host;"#),
        ("an injected header", #"proxy_set_header X-Forwarded-Prefix "/shop";"#, #"proxy_set_header X-Forwarded-Prefix "/shop"; proxy_set_header X-Evil "1";"#),
        ("a changed forwarded prefix", #"proxy_set_header X-Forwarded-Prefix "/shop";"#, #"proxy_set_header X-Forwarded-Prefix "/evil";"#),
        ("a variable in the forwarded prefix", #"proxy_set_header X-Forwarded-Prefix "/shop";"#, #"proxy_set_header X-Forwarded-Prefix "/$request_uri";"#),
        ("an HTTPS backend reached over plain HTTP", "proxy_pass https://", "proxy_pass http://"),
        ("another scheme", "proxy_pass https://", "proxy_pass grpc://"),
        ("gRPC over TLS instead", "grpc_pass grpc://", "grpc_pass grpcs://"),
        ("gRPC turned HTTP", "grpc_pass grpc://$portico_upstream;", "proxy_pass http://$portico_upstream$request_uri;"),
        ("a lost gRPC rewrite", "rewrite ^/[^/]+(/.*)$ $1 break;", ""),
        ("another gRPC rewrite", "rewrite ^/[^/]+(/.*)$ $1 break;", "rewrite ^ /etc/passwd break;"),
        ("a proxy timeout for gRPC", "grpc_read_timeout 45s;", "proxy_read_timeout 45s;"),
        ("a proxy header for gRPC", "grpc_set_header Host $portico_host;", "proxy_set_header Host $portico_host;"),
        ("a lost gRPC header", "grpc_set_header X-Real-IP $remote_addr;", ""),
        ("a hop-by-hop header to gRPC", "grpc_set_header X-Real-IP $remote_addr;", "grpc_set_header X-Real-IP $remote_addr; grpc_set_header Upgrade $http_upgrade;"),
        ("a rewritten gRPC path stripped again", #"grpc_set_header X-Forwarded-Prefix "/svc";"#, #"grpc_set_header X-Forwarded-Prefix "/svc"; rewrite ^/[^/]+(/.*)$ $1 break;"#),
        ("a lost forwarded prefix", #"proxy_set_header X-Forwarded-Prefix "/shop";"#, ""),
        ("a case-sensitive regex route", #"location ~* "^/r\\.test(?:/api"#, #"location ~ "^/r\\.test(?:/api"#),
        ("an unanchored regex route", #"location ~* "^/r\\.test(?:/api"#, #"location ~* "/r\\.test(?:/api"#),
        ("a regex that leaves its group", #"location ~* "^/r\\.test(?:/api(/|$)(.*))""#, #"location ~* "^/r\\.test(?:/api)|(.*)""#),
        ("a regex route of another host", #"location ~* "^/r\\.test(?:/api"#, #"location ~* "^/a\\.test(?:/api"#),
        ("regex routes in another order", #"location ~* "^/r\\.test(?:/api(/|$)(.*))""#, #"location ~* "^/r\\.test(?:/)" { return 404; }\#n            location ~* "^/r\\.test(?:/api(/|$)(.*))""#),
        ("a changed rewrite target", "(.*))\" /$2;", "(.*))\" /$1;"),
        ("a rewrite to a variable", "(.*))\" /$2;", "(.*))\" /$host;"),
        ("a rewrite with a flag", "(.*))\" /$2;", "(.*))\" /$2 last;"),
        ("a rewrite of another regex", #"rewrite "(?i)^/r\\.test(?:/api(/|$)(.*))""#, #"rewrite "(?i)^/r\\.test(?:/(.*))""#),
        ("a lost rewrite", #"rewrite "(?i)^/r\\.test(?:/api(/|$)(.*))" /$2;"#, ""),
        ("a rewrite after the hand-over", #"rewrite "(?i)^/r\\.test(?:/api(/|$)(.*))" /$2;\#n                set $portico_upstream api.default.svc.cluster.local:8080;"#,
         #"set $portico_upstream api.default.svc.cluster.local:8080;\#n                rewrite "(?i)^/r\\.test(?:/api(/|$)(.*))" /$2;"#),
        ("a rewrite handed to the original request's proxy", "error_page 418 = @portico_proxy_6961ed77;", "error_page 418 = @portico_proxy;"),
        ("a widened origin list", #"^(?:https://a\\.example|"#, #"^(?:.*|"#),
        ("an origin check without its anchor", #""^(?:https://a\\.example"#, #""(?:https://a\\.example"#),
        ("another origin", #"https://a\\.example|"#, #"https://evil\\.example|"#),
        ("a lost CORS header", "add_header Access-Control-Allow-Origin $portico_cors_origin always;", ""),
        ("a CORS header with another value", "add_header Access-Control-Max-Age $portico_cors_max_age always;", "add_header Access-Control-Max-Age $http_x always;"),
        ("a CORS value from a request header", "|GET, PUT, POST, DELETE, PATCH, OPTIONS|", "|$http_x|"),
        ("a changed CORS value", "|X-Total|", "|X-Secret|"),
        ("credentials turned on", #"set $portico_cors "=||"#, #"set $portico_cors "=|true|"#),
        ("an origin answered with another header", #""~^=\|" $http_origin;"#, #""~^=\|" $http_cookie;"#),
        ("a CORS map reading a request header", #"([0-9]+)$" $1;"#, #"(.*)$" $http_cookie;"#),
        ("a lost CORS map", "map $portico_cors $portico_cors_expose {", "map $portico_cors $portico_cors_other {"),
        ("listed origins answered *", #"set $portico_cors "=|"#, #"set $portico_cors "*|"#),
        ("any origin answered as sent", #"set $portico_cors "*|"#, #"set $portico_cors "=|"#),
        ("more than the policy for an allowed origin", #"set $portico_cors "=|"#, #"set $portico_upstream evil.test:80;\#n                    set $portico_cors "=|"#),
        ("a preflight answered 200", "return 204;", "return 200;"),
        ("a lost preflight", "if ($portico_cors_preflight) {\n                return 204;\n            }", ""),
        ("a lost preflight map", "map \"$request_method:$portico_cors\" $portico_cors_preflight {", "map \"$request_method:$portico_cors\" $portico_cors_other {"),
        ("a widened preflight map", #""~^OPTIONS:." 1;"#, #""~." 1;"#),
        ("any origin for a listed route", #"if ($http_origin ~* "^(?:https://a\\.example"#, #"if ($http_origin ~* "^(?:.+|https://a\\.example"#),
        ("a lost per-second limit", "limit_req zone=portico_rps_10 burst=50 nodelay;", ""),
        ("a lost connection limit", "limit_conn portico_conn 4;", ""),
        ("a larger burst", "limit_req zone=portico_rps_10 burst=50 nodelay;", "limit_req zone=portico_rps_10 burst=5000 nodelay;"),
        ("a faster zone", "rate=10r/s;", "rate=1000r/s;"),
        ("a zone counted by a request header", "limit_req_zone $portico_limit_key zone=portico_rps_10", "limit_req_zone $http_x zone=portico_rps_10"),
        ("a widened exemption", "10.0.0.0/8 1;", "0.0.0.0/0 1;"),
        ("a lost exemption", "if ($portico_limit_exempt_", "if ($portico_limit_other_"),
        ("a key shared with another Ingress", "set $portico_limit_key \"fef34073b18f53bf:", "set $portico_limit_key \"73f45a7c6e97d791:"),
        ("a key without the client", "set $portico_limit_key \"fef34073b18f53bf:$binary_remote_addr\";", "set $portico_limit_key \"fef34073b18f53bf:\";"),
        ("a lost limit key", "set $portico_limit_key \"73f45a7c6e97d791:$binary_remote_addr\";", ""),
        ("an exemption that sets a key", "                    set $portico_limit_key \"\";", "                    set $portico_limit_key \"73f45a7c6e97d791:$binary_remote_addr\";"),
        ("a lost response rate", "limit_rate 100k;", ""),
        ("an alias served as another host", "www.b.test b.test;", "www.b.test a.test;"),
        ("a lost alias", "www.b.test b.test;", ""),
        ("an alias taking a host's name", "www.b.test b.test;", "www.b.test b.test;\n        a.test b.test;"),
        ("a redirect beside a status", #"return 301 "https://new.example/x?a=1";"#, #"return 301 "https://new.example/x?a=1"; return 404;"#),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        let config = try Self.config()
        guard let mutated = mutated(config, what, from: from, to: to) else { return }
        #expect(!Self.problems(mutated).isEmpty, "\(what) was not caught")
    }

    @Test func parsesQuotingAsNginxDoes() throws {
        let tree = try ConfigTree.parse(##"a "x y" 'p\'q' b\;c ${v}w;  # comment ; {"##  + "\n" + ##""# not \" a comment"; x}y;"##)
        #expect(tree.map(\.description) == [#"a "x y" "p'q" b\;c ${v}w"#, ##""# not " a comment""##, "x}y"])
        #expect(tree[1].nameQuoted)
        #expect(throws: ConfigParseError.self) { try ConfigTree.parse("a \"b;") }
        #expect(throws: ConfigParseError.self) { try ConfigTree.parse("a { b; ") }
        #expect(throws: ConfigParseError.self) { try ConfigTree.parse("a \"b\"c;") }
        let lines = try ConfigTree.parse("a;\n\nb {\n  c;\n}\n")
        #expect(lines.map(\.line) == [1, 3] && lines[1].children.map(\.line) == [4])
    }
}

import Foundation
import PorticoRouting

/// One adversarial input: manifests shaped after a published ingress-nginx injection (or a family
/// of them), what Portico must report, and what it may still serve.
package struct HostileCase: Sendable, CustomStringConvertible {
    /// The published vulnerability the shape comes from, or `portico` for Portico's own cases
    /// (fuzzer finds, size limits).
    package var cve: String
    package var name: String
    /// A JSON array of objects. Service ports are `HostileCorpus.servicePort`.
    package var manifest: String
    /// Each must be among the diagnostics: code, object (`ingress default/web`) and field.
    package var diagnostics: [ExpectedDiagnostic]
    /// Everything the case's Ingresses may still serve, as `host match path` (`-` for no host),
    /// e.g. `x.test prefix /ok`. Anything hostile must be absent.
    package var served: [String]
    /// Requests (host, target) that must reach no file, no made-up answer and no injected directive.
    package var probes: [(host: String, target: String)]
    /// Diagnostics expected only when Portico serves HTTPS (it reads Secrets only then).
    package var httpsDiagnostics: [ExpectedDiagnostic] = []
    /// Who answers a served host's requests when it is not the `app` backend, by host: a status
    /// nginx answers itself ("503" for authentication that cannot be set up, "401" for the auth
    /// service's refusal, "500" for an auth service nginx cannot reach).
    package var answers: [String: String] = [:]

    package var description: String { "\(cve) \(name)" }
}

package struct ExpectedDiagnostic: Sendable, Equatable, CustomStringConvertible {
    package var code: Diagnostic.Code
    package var object: String
    package var field: String

    package init(_ code: Diagnostic.Code, _ object: String, _ field: String) {
        self.code = code
        self.object = object
        self.field = field
    }

    package func matches(_ d: Diagnostic) -> Bool {
        d.code == code && "\(d.object)" == object && d.field == field
    }

    package var description: String { "\(code.rawValue) \(object) \(field)" }
}

/// The corpus: at least one case per published ingress-nginx configuration-injection shape, and
/// the same payloads in every other field that reaches nginx.conf. Each case's objects use their
/// own Ingress names and hosts, so the whole corpus can be loaded into one nginx at once.
package enum HostileCorpus {
    /// The port of the `app` Service every case routes to (end-to-end tests replace it).
    package static let servicePort = 18080
    package static let serviceName = "app"

    /// The Service every case's backends name, in namespace `default`.
    package static var serviceManifest: String {
        json([["apiVersion": "v1", "kind": "Service", "metadata": ["name": serviceName, "namespace": "default"],
               "spec": ["ports": [["port": servicePort, "name": "http"]]]]])
    }

    static func json(_ objects: [[String: Any]]) -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        } catch {
            fatalError("corpus object is not JSON: \(error)")
        }
    }

    static func path(_ path: String?, _ type: String? = "Prefix", service: String = serviceName, port: Any = servicePort)
        -> [String: Any]
    {
        var p: [String: Any] = ["backend": ["service": ["name": service, "port": port is String ? ["name": port] : ["number": port]]]]
        if let path { p["path"] = path }
        if let type { p["pathType"] = type }
        return p
    }

    static func ingress(
        _ name: String, namespace: String = "default", annotations: [String: String] = [:],
        rules: [(host: String?, paths: [[String: Any]])], tls: [[String: Any]] = [],
        defaultBackend: [String: Any]? = nil
    ) -> [String: Any] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if !annotations.isEmpty { metadata["annotations"] = annotations }
        var spec: [String: Any] = [
            "rules": rules.map { r -> [String: Any] in
                var rule: [String: Any] = ["http": ["paths": r.paths]]
                if let host = r.host { rule["host"] = host }
                return rule
            }
        ]
        if !tls.isEmpty { spec["tls"] = tls }
        if let defaultBackend { spec["defaultBackend"] = defaultBackend }
        return ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": spec]
    }

    static func secret(_ name: String, namespace: String = "default", crt: String, key: String) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": name, "namespace": namespace],
            "type": "kubernetes.io/tls",
            "data": ["tls.crt": Data(crt.utf8).base64EncodedString(), "tls.key": Data(key.utf8).base64EncodedString()],
        ]
    }

    /// PEM armour around `body`, which is not base64.
    static func pem(_ label: String, _ body: String) -> String {
        "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }

    /// A case with one Ingress `name` for host `name.test`: a good path `/ok` beside the hostile ones.
    static func pathCase(_ cve: String, _ name: String, paths: [String], pathType: String = "Prefix") -> HostileCase {
        let host = "\(name).test"
        let hostile = paths.map { path($0, pathType) }
        return HostileCase(
            cve: cve, name: name,
            manifest: json([ingress(name, rules: [(host, hostile + [path("/ok")])])]),
            diagnostics: paths.indices.map {
                ExpectedDiagnostic(.invalidPath, "ingress default/\(name)", "spec.rules[0].http.paths[\($0)].path")
            },
            served: ["\(host) prefix /ok"],
            probes: [(host, "/etc/passwd"), (host, "/x"), (host, "/a"), (host, "/ok")])
    }

    /// `leftOut`: the annotations make the whole Ingress left out (access control Portico cannot honour).
    static func annotationCase(
        _ cve: String, _ name: String, _ annotations: [String: String], code: Diagnostic.Code, leftOut: Bool = false
    ) -> HostileCase {
        let host = "\(name).test"
        return HostileCase(
            cve: cve, name: name,
            manifest: json([ingress(name, annotations: annotations, rules: [(host, [path("/")])])]),
            diagnostics: annotations.keys.sorted().map {
                ExpectedDiagnostic(code, "ingress default/\(name)", "metadata.annotations[\"\($0)\"]")
            },
            served: leftOut ? [] : ["\(host) prefix /"],
            probes: [(host, "/"), (host, "/etc/passwd"), (host, "/pwned")])
    }

    /// A main Ingress `NAME-main` for `NAME.test` and a canary `NAME` of it (Service `canary-app`)
    /// with hostile `annotations`: each of `invalid` is reported, the main route is all it serves.
    static func canaryCase(
        _ name: String, _ annotations: [String: String], invalid: [String],
        extraRules: [(host: String?, paths: [[String: Any]])] = [], invalidHost: Bool = false
    ) -> HostileCase {
        let host = "\(name).test"
        return HostileCase(
            cve: "portico", name: name,
            manifest: json([
                ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "canary-app", "namespace": "default"],
                 "spec": ["ports": [["port": servicePort, "name": "http"]]]],
                ingress("\(name)-main", rules: [(host, [path("/")])]),
                ingress(
                    name, annotations: annotations.merging(["nginx.ingress.kubernetes.io/canary": "true"]) { a, _ in a },
                    rules: [(host, [path("/", service: "canary-app")])] + extraRules),
            ]),
            diagnostics: invalid.sorted().map { ExpectedDiagnostic(.invalidAnnotation, "ingress default/\(name)", "metadata.annotations[\"\($0)\"]") }
                + (invalidHost ? [ExpectedDiagnostic(.invalidHost, "ingress default/\(name)", "spec.rules[1].host")] : []),
            served: ["\(host) prefix /"],
            probes: [(host, "/"), (host, "/pwned"), (host, "/etc/passwd")])
    }

    package static let cases: [HostileCase] = [
        // A path that closes its location and opens one serving the filesystem.
        pathCase(
            "CVE-2021-25745", "path-block",
            paths: ["/x;} location /etc { alias /etc/; } #", "/y { root /; } location /z", "/a;}location ~ .* {root /etc"]),
        // A newline or a lone carriage return ends the line nginx is reading: the rest is a new directive.
        pathCase("CVE-2021-25748", "path-newline", paths: ["/a\n  alias /etc/;", "/a\r\nroot /etc;", "/a\ralias /etc/;"]),
        annotationCase(
            "CVE-2024-7646", "annotation-cr",
            ["portico.io/proxy-read-timeout": "5\r proxy_pass http://169.254.169.254", "portico.io/proxy-body-size": "1m\rroot /etc"],
            code: .invalidAnnotation),
        // Quotes and backslashes closing a quoted value.
        pathCase("CVE-2026-24512", "path-quote", paths: ["/a\";root /etc;\"", "/a';root /etc;'", "/a\\\";alias /etc/;#"]),
        annotationCase(
            "CVE-2025-1098", "annotation-quote",
            ["portico.io/proxy-body-size": "1m\"; root /etc; \"", "portico.io/proxy-send-timeout": "5\\\"; alias /etc/;"],
            code: .invalidAnnotation),
        HostileCase(
            cve: "CVE-2025-15566", name: "service-quote",
            manifest: json([
                ingress(
                    "service-quote",
                    rules: [("service-quote.test", [path("/a", service: "app\"; root /etc; \""), path("/b", service: "app\\"), path("/ok")])])
            ]),
            diagnostics: [0, 1].map {
                ExpectedDiagnostic(.invalidBackend, "ingress default/service-quote", "spec.rules[0].http.paths[\($0)].backend.service.name")
            },
            served: ["service-quote.test prefix /ok"],
            probes: [("service-quote.test", "/a"), ("service-quote.test", "/b"), ("service-quote.test", "/ok")]),
        // Object names and namespaces are echoed into comments: a newline would end the comment.
        HostileCase(
            cve: "CVE-2026-4342", name: "comment-newline",
            manifest: json([
                ingress("comment-name\n  alias /etc/;\n#", rules: [("comment-name.test", [path("/")])]),
                ingress("comment-ns", namespace: "default\nroot /etc;", rules: [("comment-ns.test", [path("/")])]),
                ingress("comment-ok", rules: [("comment-ok.test", [path("/"), path("/x\n# ok\nroot /etc;")])]),
            ]),
            diagnostics: [
                ExpectedDiagnostic(.invalidName, "ingress default/\"comment-name\\n  alias /etc/;\\n#\"", "metadata.name"),
                ExpectedDiagnostic(.invalidName, "ingress \"default\\nroot /etc;\"/comment-ns", "metadata.namespace"),
                ExpectedDiagnostic(.invalidPath, "ingress default/comment-ok", "spec.rules[0].http.paths[1].path"),
            ],
            served: ["comment-ok.test prefix /"],
            probes: [("comment-name.test", "/etc/passwd"), ("comment-ns.test", "/etc/passwd"), ("comment-ok.test", "/x")]),
        // Unquoted values in if/set: auth-url and auth-tls-match-cn style annotations.
        HostileCase(
            cve: "CVE-2025-24514", name: "auth-url",
            manifest: json([
                ingress(
                    "auth-url",
                    annotations: [
                        "portico.io/auth-url": "http://x/#;\nload_module /tmp/evil.so;",
                        "nginx.ingress.kubernetes.io/auth-url": "http://x/#;}}}\nload_module /tmp/evil.so;",
                        "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8;\nallow all",
                    ], rules: [("auth-url.test", [path("/")])])
            ]),
            // An auth-url with characters ingress-nginx refuses leaves the Ingress out (fails
            // closed; portico.io's wins, so only it is read); a source range that is not one admits nobody.
            diagnostics: [
                ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-url", "metadata.annotations[\"portico.io/auth-url\"]")
            ] + [
                ExpectedDiagnostic(
                    .invalidAnnotation, "ingress default/auth-url",
                    "metadata.annotations[\"nginx.ingress.kubernetes.io/whitelist-source-range\"]")
            ],
            served: [],
            probes: [("auth-url.test", "/"), ("auth-url.test", "/etc/passwd")]),
        // auth-tls-match-cn is not honoured: left out. Client certificates' other values go into
        // ssl_* directives of the host's own server, a file name and an error_page: a value that
        // could break out leaves the Ingress out (without HTTPS every one is left out), a Secret
        // name that is a path answers 503 with HTTPS.
        HostileCase(
            cve: "CVE-2025-1097", name: "auth-tls",
            manifest: json(
                [
                    ingress(
                        "auth-tls",
                        annotations: [
                            "portico.io/auth-tls-match-cn": "CN=x\"){}}}load_module /tmp/evil.so;#", "portico.io/auth-tls-secret": "../../etc/shadow",
                        ], rules: [("auth-tls.test", [path("/")])]),
                    ingress(
                        "auth-tls-secret", annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca\"; ssl_verify_client off; #"],
                        rules: [("auth-tls-secret.test", [path("/")])]),
                    ingress(
                        "auth-tls-page",
                        annotations: [
                            "nginx.ingress.kubernetes.io/auth-tls-secret": "ca", "nginx.ingress.kubernetes.io/auth-tls-error-page": "https://x.test/\";return 200 pwned;#",
                        ], rules: [("auth-tls-page.test", [path("/")])]),
                    ingress(
                        "auth-tls-page-newline",
                        annotations: [
                            "portico.io/auth-tls-secret": "ca", "portico.io/auth-tls-error-page": "https://x.test/\n  ssl_verify_client off;",
                        ], rules: [("auth-tls-page-newline.test", [path("/")])]),
                ]),
            diagnostics: [
                ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-tls", "metadata.annotations[\"portico.io/auth-tls-match-cn\"]"),
                ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-tls-secret", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-secret\"]"),
            ],
            served: [],
            probes: [("auth-tls.test", "/"), ("auth-tls-secret.test", "/"), ("auth-tls-page.test", "/"), ("auth-tls-page-newline.test", "/pwned")],
            httpsDiagnostics: [
                ExpectedDiagnostic(.authUnavailable, "ingress default/auth-tls", "metadata.annotations[\"portico.io/auth-tls-secret\"]"),
                ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-tls-page", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-tls-error-page\"]"),
                ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-tls-page-newline", "metadata.annotations[\"portico.io/auth-tls-error-page\"]"),
            ]),
        // A source range that smuggles a directive: not a range, so the paths admit nobody.
        annotationCase(
            "CVE-2025-24514", "source-range",
            ["nginx.ingress.kubernetes.io/allowlist-source-range": "10.0.0.0/8,1.2.3.4/32;allow all",
             "nginx.ingress.kubernetes.io/denylist-source-range": "10.1.0.0/16\ndeny 127.0.0.1"],
            code: .invalidAnnotation),
        annotationCase(
            "CVE-2025-24514", "timeout-set",
            ["portico.io/proxy-connect-timeout": "5; set $portico_upstream 169.254.169.254:80",
             "portico.io/proxy-read-timeout": "5s;}\nserver { listen 80; return 200 pwned; }"],
            code: .invalidAnnotation),
        // server-alias: names that become map keys.
        annotationCase(
            "CVE-2021-25742", "server-names-breakout",
            ["nginx.ingress.kubernetes.io/server-alias": "a.test; } server { listen 80; location / { alias /etc/; } } map $x $y {, ~^(?<x>.*)$, b.test\n default c.test, $host"],
            code: .invalidAnnotation),
        // custom-http-errors, default-backend: codes that become error_page lines, a Service name
        // that becomes an address, values that close their quotes, a huge list.
        annotationCase(
            "CVE-2021-25742", "error-pages-breakout",
            ["nginx.ingress.kubernetes.io/custom-http-errors": "404 = @x; } location / { alias /etc/; } error_page 500",
             "portico.io/default-backend": "app\"; set $portico_error_backend 169.254.169.254:80; #\n}"],
            code: .invalidAnnotation),
        annotationCase(
            "portico", "error-pages-huge",
            ["nginx.ingress.kubernetes.io/custom-http-errors": String(repeating: "404,", count: 25_000),
             "nginx.ingress.kubernetes.io/default-backend": "$host"],
            code: .invalidAnnotation),
        // from-to-www-redirect: a boolean whose host becomes a map key and a Location.
        annotationCase(
            "CVE-2021-25742", "www-redirect-breakout",
            ["nginx.ingress.kubernetes.io/from-to-www-redirect": "true\"; return 200 pwned; } location /pwned { alias /etc/; #"],
            code: .invalidAnnotation),
        // ssl-passthrough: a boolean whose hosts become stream map keys.
        annotationCase(
            "CVE-2021-25742", "passthrough-breakout",
            ["nginx.ingress.kubernetes.io/ssl-passthrough": "true;\n  } server { listen 81; proxy_pass 169.254.169.254:80; } #"],
            code: .invalidAnnotation),
        annotationCase("portico", "passthrough-variable", ["portico.io/ssl-passthrough": "$ssl_preread_server_name"], code: .invalidAnnotation),
        // Rate limits: numbers in limit_req/limit_conn and their zones, ranges in a geo block.
        annotationCase(
            "CVE-2025-24514", "rate-limit-breakout",
            ["nginx.ingress.kubernetes.io/limit-rps": "10 burst=1;\n  limit_req zone=x",
             "nginx.ingress.kubernetes.io/limit-rpm": "${binary_remote_addr}",
             "nginx.ingress.kubernetes.io/limit-connections": "1; } server { listen 80; return 200 pwned; #",
             "nginx.ingress.kubernetes.io/limit-burst-multiplier": "5 nodelay; allow all",
             "nginx.ingress.kubernetes.io/limit-rate": "100k;\r\nlimit_rate 0",
             "portico.io/limit-rate-after": String(repeating: "9", count: 100_000),
             "nginx.ingress.kubernetes.io/limit-whitelist": "10.0.0.0/8 1;\n  0.0.0.0/0 1;\n  default 1"],
            code: .invalidAnnotation),
        // The proxying annotations: each value ends up in a directive of a named location.
        annotationCase(
            "CVE-2025-24514", "upstream-breakout",
            ["nginx.ingress.kubernetes.io/upstream-vhost": "a.test\"; proxy_pass http://169.254.169.254; #",
             "nginx.ingress.kubernetes.io/x-forwarded-prefix": "/x\";\n  proxy_set_header Authorization \"pwned",
             "nginx.ingress.kubernetes.io/proxy-buffering": "off;\n  root /etc",
             "nginx.ingress.kubernetes.io/proxy-buffer-size": "8k; alias /etc/",
             "nginx.ingress.kubernetes.io/proxy-buffers-number": "4 8k;}",
             "nginx.ingress.kubernetes.io/proxy-request-buffering": "on\"",
             "nginx.ingress.kubernetes.io/proxy-http-version": "1.1;\r return 200 pwned",
             "nginx.ingress.kubernetes.io/proxy-next-upstream": "error;\nproxy_pass http://169.254.169.254",
             "nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "3 { }",
             "nginx.ingress.kubernetes.io/enable-access-log": "false;access_log /etc/passwd",
             "nginx.ingress.kubernetes.io/backend-protocol": "GRPC;\n  grpc_pass grpc://169.254.169.254"],
            code: .invalidAnnotation),
        annotationCase(
            "CVE-2025-1098", "upstream-variables",
            ["portico.io/upstream-vhost": "$http_x_forwarded_host", "portico.io/x-forwarded-prefix": "/$request_uri#",
             "portico.io/proxy-next-upstream-timeout": "${host}", "portico.io/proxy-http-version": "1.1 # 1.0",
             "portico.io/proxy-buffer-size": String(repeating: "9", count: 100_000) + "k",
             "portico.io/proxy-next-upstream": String(repeating: "error ", count: 20_000),
             "portico.io/enable-access-log": "#"],
            code: .invalidAnnotation),
        proxySSLCase,
        // Snippets: configuration text copied verbatim. Portico has none and says so.
        annotationCase(
            "CVE-2021-25742", "snippet",
            ["nginx.ingress.kubernetes.io/configuration-snippet": "location /etc { alias /etc/; }",
             "nginx.ingress.kubernetes.io/server-snippet": "return 200 pwned;"],
            code: .unsupportedAnnotation),
        annotationCase(
            "CVE-2023-5043", "snippet-portico",
            ["portico.io/configuration-snippet": "alias /etc/;", "nginx.ingress.kubernetes.io/stream-snippet": "server { listen 9999; }"],
            code: .unsupportedAnnotation),
        // Redirect or URL values carrying `;`.
        HostileCase(
            cve: "CVE-2023-5044", name: "permanent-redirect",
            manifest: json([
                ingress(
                    "permanent-redirect",
                    annotations: [
                        "portico.io/permanent-redirect": "https://example.com;\nreturn 200 pwned;", "portico.io/rewrite-target": "/;alias /etc/",
                    ], rules: [("permanent-redirect.test", [path("/")])]),
                ingress(
                    "redirect-variable",
                    annotations: [
                        "nginx.ingress.kubernetes.io/temporal-redirect": "https://$host/pwned",
                        "nginx.ingress.kubernetes.io/permanent-redirect": "https://ok.example/",
                    ], rules: [("redirect-variable.test", [path("/")])]),
                ingress(
                    "redirect-quote",
                    annotations: [
                        "nginx.ingress.kubernetes.io/permanent-redirect": "https://a.example/\"; return 200 \"pwned",
                        "nginx.ingress.kubernetes.io/permanent-redirect-code": "200; root /etc",
                    ], rules: [("redirect-quote.test", [path("/")])]),
                ingress(
                    "redirect-code",
                    annotations: [
                        "nginx.ingress.kubernetes.io/permanent-redirect": "https://good.example/x?y=1",
                        "nginx.ingress.kubernetes.io/permanent-redirect-code": "308 pwned",
                    ], rules: [("redirect-code.test", [path("/")])]),
            ]),
            diagnostics: [
                ExpectedDiagnostic(.invalidAnnotation, "ingress default/permanent-redirect", "metadata.annotations[\"portico.io/permanent-redirect\"]"),
                ExpectedDiagnostic(.invalidAnnotation, "ingress default/permanent-redirect", "metadata.annotations[\"portico.io/rewrite-target\"]"),
                ExpectedDiagnostic(
                    .invalidAnnotation, "ingress default/redirect-variable", "metadata.annotations[\"nginx.ingress.kubernetes.io/temporal-redirect\"]"),
                ExpectedDiagnostic(
                    .invalidAnnotation, "ingress default/redirect-quote", "metadata.annotations[\"nginx.ingress.kubernetes.io/permanent-redirect\"]"),
                ExpectedDiagnostic(
                    .invalidAnnotation, "ingress default/redirect-code",
                    "metadata.annotations[\"nginx.ingress.kubernetes.io/permanent-redirect-code\"]"),
            ],
            // Invalid redirects are ignored (the Service answers); the last one redirects, with 301.
            served: ["permanent-redirect.test prefix /", "redirect-variable.test prefix /", "redirect-quote.test prefix /", "redirect-code.test prefix /"],
            probes: [("permanent-redirect.test", "/"), ("redirect-variable.test", "/"), ("redirect-quote.test", "/x")]),
        pathCase("CVE-2023-5044", "path-semicolon", paths: ["/a;return 200 pwned", "/a;", "/a}"]),
        // A regex path (use-regex) is written into a quoted location regex (and a rewrite): quotes,
        // `;`, spaces, newlines, `#`, a named group (it would set an nginx variable) and a group
        // left open or closed early must not reach them; the other regex still serves.
        HostileCase(
            cve: "portico", name: "regex-path",
            manifest: json([
                ingress(
                    "regex-path", annotations: ["nginx.ingress.kubernetes.io/use-regex": "true"],
                    rules: [
                        (
                            "regex-path.test",
                            [
                                "/a\"; root /etc; \"", "/a\\\";alias /etc/;#", "/x\n  alias /etc/;", "/(?<portico_upstream>169.254.169.254)",
                                "/(?P<portico_upstream>x)", "/a(", "/a)|(/etc", "/a{ root /; }", "/#x", "/" + String(repeating: "a", count: 1100),
                            ].map { path($0, "ImplementationSpecific") } + [path("/ok/(.*)", "ImplementationSpecific")]
                        )
                    ])
            ]),
            diagnostics: (0..<10).map {
                ExpectedDiagnostic(.invalidPath, "ingress default/regex-path", "spec.rules[0].http.paths[\($0)].path")
            },
            served: ["regex-path.test regex /ok/(.*)"],
            probes: [("regex-path.test", "/etc/passwd"), ("regex-path.test", "/a"), ("regex-path.test", "/ok/x")]),
        // CORS values go into `set` and `if` lines of every route of the Ingress: an origin list or a
        // header list that closes its quotes, adds a header or names a variable.
        {
            let hostile = [
                "nginx.ingress.kubernetes.io/cors-allow-methods": "GET\"; add_header X-Pwned 1; \"",
                "nginx.ingress.kubernetes.io/cors-allow-headers": "X-A,$http_cookie",
                "nginx.ingress.kubernetes.io/cors-expose-headers": "X-B\n  return 200 pwned;",
                "nginx.ingress.kubernetes.io/cors-max-age": "1; return 200",
                "nginx.ingress.kubernetes.io/cors-allow-origin": "https://a.example\") { return 200 pwned; } if ($x",
                "nginx.ingress.kubernetes.io/cors-allow-credentials": "true\"",
            ]
            return HostileCase(
                cve: "portico", name: "cors-payload",
                manifest: json([
                    ingress(
                        "cors-payload", annotations: hostile.merging(["nginx.ingress.kubernetes.io/enable-cors": "true"]) { a, _ in a },
                        rules: [("cors-payload.test", [path("/")])]),
                    ingress(
                        "cors-enable", annotations: ["portico.io/enable-cors": "true; add_header X-Pwned 1"],
                        rules: [("cors-enable.test", [path("/")])]),
                ]),
                diagnostics: hostile.keys.sorted().map {
                    ExpectedDiagnostic(.invalidAnnotation, "ingress default/cors-payload", "metadata.annotations[\"\($0)\"]")
                } + [ExpectedDiagnostic(.invalidAnnotation, "ingress default/cors-enable", "metadata.annotations[\"portico.io/enable-cors\"]")],
                served: ["cors-payload.test prefix /", "cors-enable.test prefix /"],
                probes: [("cors-payload.test", "/"), ("cors-payload.test", "/pwned"), ("cors-enable.test", "/")])
        }(),
        // Basic authentication: the realm goes into a quoted `set`, the Secret's name into a file
        // name, the htpasswd content into a file. A value that could break out leaves the Ingress
        // out; a Secret that is not an htpasswd file (lines that close blocks, a key with a line
        // break, a path for a name) makes its paths answer 503; nothing is ever served open.
        {
            func basic(_ name: String, _ annotations: [String: String]) -> [String: Any] {
                ingress(name, annotations: ["nginx.ingress.kubernetes.io/auth-type": "basic"].merging(annotations) { _, b in b }, rules: [("\(name).test", [path("/")])])
            }
            func htpasswd(_ name: String, _ data: [String: String]) -> [String: Any] {
                ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": name, "namespace": "default"], "stringData": data]
            }
            let leftOut = [
                ("auth-realm-quote", "auth-realm", "x\"; return 200 \"pwned"), ("auth-realm-newline", "auth-realm", "x\n  alias /etc/;"),
                ("auth-realm-variable", "auth-realm", "$http_cookie"), ("auth-realm-off", "auth-realm", "off"),
                ("auth-type-payload", "auth-type", "basic;\n  auth_basic off"), ("auth-secret-payload", "auth-secret", "a\"; root /etc; \""),
                ("auth-secret-type-payload", "auth-secret-type", "auth-map; auth_basic off"),
            ]
            let unavailable = [
                ("auth-secret-path", "../../etc/shadow"), ("auth-file-braces", "braces"), ("auth-file-newline", "newline"),
                ("auth-map-newline", "map-newline"), ("auth-file-plain", "plain"),
            ]
            return HostileCase(
                cve: "CVE-2025-1097", name: "auth-basic-payload",
                manifest: json(
                    [
                        htpasswd("braces", ["auth": "alice:{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM=\n}\nlocation /etc { alias /etc/; }\n"]),
                        htpasswd("newline", ["auth": "alice:$apr1$portico2$EMiGvozVb/G62rIKUB8D61\r root /etc;"]),
                        htpasswd("map-newline", ["bob\nroot /etc;": "$apr1$portico2$EMiGvozVb/G62rIKUB8D61"]),
                        htpasswd("plain", ["auth": "carol:secret\n"]),
                    ]
                        + leftOut.map { basic($0.0, ["nginx.ingress.kubernetes.io/auth-secret": "braces"].merging(["nginx.ingress.kubernetes.io/\($0.1)": $0.2]) { _, b in b }) }
                        + unavailable.map {
                            basic($0.0, ["nginx.ingress.kubernetes.io/auth-secret": $0.1, "nginx.ingress.kubernetes.io/auth-secret-type": $0.1 == "map-newline" ? "auth-map" : "auth-file"])
                        }),
                diagnostics: leftOut.map {
                    ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/\($0.0)", "metadata.annotations[\"nginx.ingress.kubernetes.io/\($0.1)\"]")
                } + unavailable.map {
                    ExpectedDiagnostic(.authUnavailable, "ingress default/\($0.0)", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-secret\"]")
                },
                // The 503s: served, answering 503.
                served: unavailable.map { "\($0.0).test prefix /" },
                probes: leftOut.map { ("\($0.0).test", "/") } + unavailable.map { ("\($0.0).test", "/etc/passwd") },
                answers: Dictionary(uniqueKeysWithValues: unavailable.map { ("\($0.0).test", "503") }))
        }(),
        // External authentication: the URL and the sign-in URL go into quoted `set`s, header names
        // into `proxy_set_header` and `auth_request_set`, the method into one. A URL with characters
        // ingress-nginx refuses leaves the Ingress out; one that names a variable the client sets,
        // a header list or a method that is not one, answers 503; a bad sign-in URL or redirect
        // header is ignored (a refused request is answered 401).
        {
            func external(_ name: String, _ annotations: [String: String]) -> [String: Any] {
                ingress(name, annotations: annotations.reduce(into: [:]) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }, rules: [("\(name).test", [path("/")])])
            }
            // The case's own backend as the auth service: it refuses a request without a token (401).
            let url = "http://app.default.svc.cluster.local:\(servicePort)/__auth/verify"
            return HostileCase(
                cve: "CVE-2025-24514", name: "auth-url-payload",
                manifest: json([
                    external("auth-url-quote", ["auth-url": "http://auth/\"; proxy_pass http://169.254.169.254; #"]),
                    external("auth-url-brace", ["auth-url": "http://auth/x;}}}\nload_module /tmp/evil.so;"]),
                    external("auth-url-variable", ["auth-url": "http://$http_x_target/verify"]),
                    external("auth-url-host-variable", ["auth-url": "http://$host:80/verify"]),
                    external("auth-url-scheme", ["auth-url": "file:///etc/passwd"]),
                    external("auth-headers-payload", ["auth-url": url, "auth-response-headers": "X-A;\nproxy_pass http://169.254.169.254"]),
                    external("auth-method-payload", ["auth-url": url, "auth-method": "GET; proxy_pass http://169.254.169.254"]),
                    external("auth-signin-payload", ["auth-url": url, "auth-signin": "https://$host/x\"; return 302 \"pwned"]),
                    external("auth-signin-variable", ["auth-url": url, "auth-signin": "https://login.example/?u=$http_cookie"]),
                    external("auth-redirect-payload", ["auth-url": url, "auth-request-redirect": "/x\"; root /etc; \""]),
                    ingress(
                        "auth-url-wildcard", annotations: ["nginx.ingress.kubernetes.io/auth-url": "https://$host/oauth2/auth"],
                        rules: [("*.auth-wild.test", [path("/")]), (nil, [path("/auth-wild")])]),
                ]),
                diagnostics: [
                    ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-url-quote", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-url\"]"),
                    ExpectedDiagnostic(.accessControlNotHonoured, "ingress default/auth-url-brace", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-url\"]"),
                    ExpectedDiagnostic(.authUnavailable, "ingress default/auth-url-variable", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-url\"]"),
                    ExpectedDiagnostic(.authUnavailable, "ingress default/auth-url-scheme", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-url\"]"),
                    ExpectedDiagnostic(
                        .authUnavailable, "ingress default/auth-headers-payload", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-response-headers\"]"),
                    ExpectedDiagnostic(.authUnavailable, "ingress default/auth-method-payload", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-method\"]"),
                    ExpectedDiagnostic(.invalidAnnotation, "ingress default/auth-signin-payload", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-signin\"]"),
                    ExpectedDiagnostic(.invalidAnnotation, "ingress default/auth-signin-variable", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-signin\"]"),
                    ExpectedDiagnostic(
                        .invalidAnnotation, "ingress default/auth-redirect-payload", "metadata.annotations[\"nginx.ingress.kubernetes.io/auth-request-redirect\"]"),
                    // $host on a wildcard or on rules without a host would let the client pick the auth server.
                    ExpectedDiagnostic(.authUnavailable, "ingress default/auth-url-wildcard", "spec.rules[0].host"),
                    ExpectedDiagnostic(.authUnavailable, "ingress default/auth-url-wildcard", "spec.rules[1]"),
                ],
                served: [
                    "auth-url-variable.test prefix /", "auth-url-host-variable.test prefix /", "auth-url-scheme.test prefix /",
                    "auth-headers-payload.test prefix /", "auth-method-payload.test prefix /", "auth-signin-payload.test prefix /",
                    "auth-signin-variable.test prefix /", "auth-redirect-payload.test prefix /", "*.auth-wild.test prefix /", "- prefix /auth-wild",
                ],
                probes: [
                    ("auth-url-quote.test", "/"), ("auth-url-variable.test", "/"), ("auth-signin-payload.test", "/"), ("x.auth-wild.test", "/"),
                    ("auth-headers-payload.test", "/etc/passwd"),
                ],
                answers: [
                    "auth-url-variable.test": "503", "auth-url-scheme.test": "503", "auth-headers-payload.test": "503",
                    "auth-method-payload.test": "503", "*.auth-wild.test": "503", "-": "503", "auth-url-host-variable.test": "500",
                    "auth-signin-payload.test": "401", "auth-signin-variable.test": "401", "auth-redirect-payload.test": "401",
                ])
        }(),
        // Canary annotations become map sources (`$http_NAME`, `$cookie_NAME`) and map keys (a
        // header's value or pattern): names that close the map, values that close their quotes.
        canaryCase(
            "canary-names",
            [
                "nginx.ingress.kubernetes.io/canary-by-header": "X-A\"; return 200 pwned; #",
                "nginx.ingress.kubernetes.io/canary-by-cookie": "c;} location /etc { alias /etc/; } #",
                "nginx.ingress.kubernetes.io/canary-weight": "10; return 200",
                "portico.io/canary-weight-total": "${host}",
            ],
            invalid: [
                "nginx.ingress.kubernetes.io/canary-by-header", "nginx.ingress.kubernetes.io/canary-by-cookie",
                "nginx.ingress.kubernetes.io/canary-weight", "portico.io/canary-weight-total",
            ], extraRules: [("canary-names;}.test", [path("/", service: "canary-app")])], invalidHost: true),
        canaryCase(
            "canary-values",
            [
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                "nginx.ingress.kubernetes.io/canary-by-header-value": "v\"; return 200 pwned; \"",
                "nginx.ingress.kubernetes.io/canary-by-header-pattern": "a\n  root /etc;",
            ],
            invalid: ["nginx.ingress.kubernetes.io/canary-by-header-value", "nginx.ingress.kubernetes.io/canary-by-header-pattern"]),
        // A named group in a map's regex would set an nginx variable.
        canaryCase(
            "canary-named-group",
            [
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                "nginx.ingress.kubernetes.io/canary-by-header-pattern": "(?<portico_upstream>169.254.169.254)",
            ],
            invalid: ["nginx.ingress.kubernetes.io/canary-by-header-pattern"]),
        // `$` and braces are regex characters here: the pattern stays a regex, nothing expands.
        canaryCase(
            "canary-variables",
            ["nginx.ingress.kubernetes.io/canary-by-header": "X-Canary", "nginx.ingress.kubernetes.io/canary-by-header-pattern": "x$portico_upstream${host}"],
            invalid: []),
        canaryCase(
            "canary-huge",
            [
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                "nginx.ingress.kubernetes.io/canary-by-header-pattern": String(repeating: "a", count: 100_000),
                "nginx.ingress.kubernetes.io/canary-by-cookie": String(repeating: "c", count: 100_000),
            ],
            invalid: ["nginx.ingress.kubernetes.io/canary-by-header-pattern", "nginx.ingress.kubernetes.io/canary-by-cookie"]),
        // rewrite-target goes into a rewrite's replacement, where nginx expands variables.
        annotationCase(
            "portico", "rewrite-target-payload",
            ["nginx.ingress.kubernetes.io/rewrite-target": "/${host}/$1;\nreturn 200 pwned;# \" break"],
            code: .invalidAnnotation),
        // app-root goes into a return's URL: quotes, variables and directives must not.
        annotationCase(
            "CVE-2021-25745", "app-root-payload", ["nginx.ingress.kubernetes.io/app-root": "/app\";\nreturn 200 pwned;#$host"],
            code: .invalidAnnotation),
        // A TLS Secret name used as a file name.
        HostileCase(
            cve: "CVE-2025-24513", name: "tls-secret-traversal",
            manifest: json([
                ingress(
                    "tls-secret", rules: [("tls-secret.test", [path("/")])],
                    tls: [["hosts": ["tls-secret.test", "evil;host"], "secretName": "../../../etc/passwd"],
                          ["secretName": "a/../b"]])
            ]),
            diagnostics: [
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-secret", "spec.tls[0].secretName"),
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-secret", "spec.tls[0].hosts[1]"),
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-secret", "spec.tls[1].secretName"),
            ],
            served: ["tls-secret.test prefix /"],
            probes: [("tls-secret.test", "/"), ("tls-secret.test", "/etc/passwd")]),
        // Secrets whose data is meant to break out of the certificate file or the config: PEM
        // armour around directives, text that is not base64, stringData with line breaks. None is
        // a certificate; each host stays on the default certificate and nothing of it is written.
        HostileCase(
            cve: "CVE-2025-24513", name: "tls-secret-payload",
            manifest: json([
                secret("payload-pem", crt: pem("CERTIFICATE", "}\nssl_certificate /etc/shadow;\nlocation /x { alias /etc/; }"),
                       key: pem("PRIVATE KEY", "root /etc;\nreturn 200 pwned;")),
                ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "payload-text", "namespace": "default"],
                 "type": "kubernetes.io/tls",
                 "stringData": ["tls.crt": "a;\n}\ninclude /etc/passwd;\n", "tls.key": "b;\r\nload_module /tmp/evil.so;"]],
                ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "payload-raw", "namespace": "default"],
                 "type": "kubernetes.io/tls",
                 "data": ["tls.crt": "%%%;}include /etc/passwd;{", "tls.key": "';return 200 pwned;#"]],
                ingress(
                    "tls-payload",
                    rules: [("tls-payload.test", [path("/")]), ("tls-payload2.test", [path("/")]), ("tls-payload3.test", [path("/")])],
                    tls: [["hosts": ["tls-payload.test"], "secretName": "payload-pem"],
                          ["hosts": ["tls-payload2.test"], "secretName": "payload-text"],
                          ["hosts": ["tls-payload3.test"], "secretName": "payload-raw"]]),
            ]),
            diagnostics: [],
            served: ["tls-payload.test prefix /", "tls-payload2.test prefix /", "tls-payload3.test prefix /"],
            probes: [("tls-payload.test", "/etc/shadow"), ("tls-payload2.test", "/x"), ("tls-payload3.test", "/")],
            httpsDiagnostics: (0..<3).map {
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-payload", "spec.tls[\($0)].secretName")
            }),
        // spec.tls naming hosts that no rule serves, and a Secret in another namespace by name.
        HostileCase(
            cve: "portico", name: "tls-hosts-without-rules",
            manifest: json([
                secret("elsewhere-tls", namespace: "kube-system", crt: pem("CERTIFICATE", "x"), key: pem("PRIVATE KEY", "y")),
                ingress(
                    "tls-ghost", rules: [("tls-ghost.test", [path("/")])],
                    tls: [["hosts": ["ghost.test", "*.ghost.test"], "secretName": "ghost-tls"],
                          ["hosts": ["tls-ghost.test"], "secretName": "elsewhere-tls"]]),
            ]),
            diagnostics: [],
            served: ["tls-ghost.test prefix /"],
            probes: [("ghost.test", "/"), ("tls-ghost.test", "/")],
            httpsDiagnostics: [
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-ghost", "spec.tls[0]"),
                // Looked up in the Ingress's own namespace only: not found there.
                ExpectedDiagnostic(.invalidTLS, "ingress default/tls-ghost", "spec.tls[1].secretName"),
            ]),
        // The same payloads in hosts, service names, ports, path types and default backends.
        HostileCase(
            cve: "CVE-2021-25745", name: "host-injection",
            manifest: json([
                ingress(
                    "host-injection",
                    rules: [
                        ("host-a.test;\n  location /etc { alias /etc/; }", [path("/")]),
                        ("host-b.test\r}server{listen 80;root /etc;", [path("/")]),
                        ("\"host-c.test\"", [path("/")]),
                        ("$host", [path("/")]),
                        ("host-injection.test", [path("/")]),
                    ])
            ]),
            diagnostics: (0..<4).map { ExpectedDiagnostic(.invalidHost, "ingress default/host-injection", "spec.rules[\($0)].host") },
            served: ["host-injection.test prefix /"],
            probes: [("host-a.test", "/etc/passwd"), ("host-b.test", "/etc/passwd"), ("host-injection.test", "/etc/passwd")]),
        HostileCase(
            cve: "CVE-2021-25748", name: "backend-fields",
            manifest: json([
                ingress(
                    "backend-fields",
                    rules: [
                        ("backend-fields.test",
                         [path("/name", port: "h;ttp"), path("/number", port: 70000), path("/type", "Prefix;alias"),
                          path("/ok")])
                    ],
                    defaultBackend: ["service": ["name": "app;\nroot /etc;", "port": ["number": servicePort]]])
            ]),
            diagnostics: [
                ExpectedDiagnostic(.invalidBackend, "ingress default/backend-fields", "spec.defaultBackend.service.name"),
                ExpectedDiagnostic(.invalidBackend, "ingress default/backend-fields", "spec.rules[0].http.paths[0].backend.service.port.name"),
                ExpectedDiagnostic(.invalidBackend, "ingress default/backend-fields", "spec.rules[0].http.paths[1].backend.service.port.number"),
                ExpectedDiagnostic(.invalidPathType, "ingress default/backend-fields", "spec.rules[0].http.paths[2].pathType"),
            ],
            served: ["backend-fields.test prefix /ok"],
            probes: [("backend-fields.test", "/name"), ("backend-fields.test", "/type"), ("backend-fields.test", "/ok")]),
        // nginx variables, percent-encoding, NUL and Unicode line separators.
        pathCase("portico", "path-odd-bytes", paths: ["/$document_root", "/%2e%2e/etc", "/a\u{0}b", "/a\u{2028}root", "/caf\u{e9}", "/../etc"]),
        // Sizes: a 1 MB path, a 100,000-character host, an enormous name, 50,000 paths.
        pathCase("portico", "path-1mb", paths: ["/" + String(repeating: "a", count: 1 << 20)]),
        HostileCase(
            cve: "portico", name: "long-host-and-name",
            manifest: json([
                ingress("long-host", rules: [(String(repeating: "h", count: 100_000) + ".test", [path("/")]), ("long-host.test", [path("/")])]),
                ingress(String(repeating: "n", count: 100_000), rules: [("long-name.test", [path("/")])]),
            ]),
            diagnostics: [
                ExpectedDiagnostic(.invalidHost, "ingress default/long-host", "spec.rules[0].host"),
                ExpectedDiagnostic(
                    .invalidName,
                    "ingress default/\"\(String(repeating: "n", count: 80))…\" (100000 bytes)", "metadata.name"),
            ],
            served: ["long-host.test prefix /"],
            probes: [("long-host.test", "/"), ("long-name.test", "/")]),
        HostileCase(
            cve: "portico", name: "fifty-thousand-paths",
            manifest: json([
                ingress("many-paths", rules: [("many-paths.test", (0..<50_000).map { path("/p\($0)") })])
            ]),
            diagnostics: [ExpectedDiagnostic(.tooManyPaths, "ingress default/many-paths", "spec.rules")],
            served: [],
            probes: [("many-paths.test", "/p1")]),
        // Found by the fuzzer: the same Service twice with different specs routed by whichever came
        // first, so the config depended on input order.
        HostileCase(
            cve: "portico", name: "duplicate-service",
            manifest: json([
                ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "dup", "namespace": "default"],
                 "spec": ["type": "ExternalName", "externalName": "evil.example", "ports": [["port": servicePort]]]],
                ingress("duplicate-service", rules: [("duplicate-service.test", [path("/", service: "dup")])]),
                ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "dup", "namespace": "default", "resourceVersion": "7"],
                 "spec": ["ports": [["port": servicePort]]]],
            ]),
            diagnostics: [ExpectedDiagnostic(.duplicateObject, "service default/dup", "")],
            served: ["duplicate-service.test prefix /"],
            probes: [("duplicate-service.test", "/etc/passwd")]),
    ]

    /// Every case's objects in one JSON array, plus the `app` Service.
    package static var combinedManifest: String {
        "[" + ([serviceManifest] + cases.map(\.manifest)).map { String($0.dropFirst().dropLast()) }.joined(separator: ",") + "]"
    }
}

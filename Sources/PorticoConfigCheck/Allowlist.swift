import PorticoPCRE

/// The directives the default template may produce, per context, as PCRE patterns over
/// `name arg "quoted arg"`. Anything else in a rendered config was not asked for by any rule.
enum Allowlist {
    static let name = #"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"#
    static let path = #"/[A-Za-z0-9/._~!*+,:@=&-]*"#

    static func pattern(_ p: String) -> PCRE {
        do { return try PCRE(p) } catch { fatalError("allowlist pattern: \(error)") }
    }

    static func patterns(_ ps: [String]) -> [PCRE] {
        ps.map { pattern($0.replacingOccurrences("NAME", name).replacingOccurrences("PATH", path)) }
    }

    static let main = patterns([
        #"^user [a-z_][a-z0-9_-]*$"#, #"^worker_processes (auto|\d{1,4})$"#, #"^pid nginx\.pid$"#,
        #"^error_log (error\.log|stderr) warn$"#,
    ])
    static let mainBlocks = patterns([#"^events$"#, #"^http$"#])
    static let events = patterns([#"^worker_connections \d{1,7}$"#])
    static let http = patterns([
        #"^map_hash_(max|bucket)_size \d{1,9}$"#,
        #"^access_log (access\.log|/dev/stdout)$"#, #"^(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path [a-z_]+$"#,
        #"^resolver [0-9a-zA-Z.:\[\]-]+( [0-9a-zA-Z.:\[\]-]+)* valid=10s$"#, #"^resolver_timeout 5s$"#,
        #"^proxy_http_version 1\.1$"#, #"^proxy_redirect off$"#, #"^variables_hash_max_size 2048$"#,
        #"^proxy_set_header (Host|X-Forwarded-Host) \$portico_host$"#,
        #"^variables_hash_max_size \d{1,9}$"#,
        #"^proxy_set_header (X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|X-Real-IP \$remote_addr|Upgrade \$http_upgrade|Connection \$portico_connection)$"#,
    ])
    /// Rate limits (`limit-rps`, `limit-rpm`, `limit-connections`): one zone per rate, named after
    /// it, and one for connections, all counting by the key each limited route sets; a geo per
    /// `limit-whitelist` list.
    static let limitZones = patterns([
        #"^limit_conn_zone \$portico_limit_key zone=portico_conn:10m$"#,
        #"^limit_req_zone \$portico_limit_key zone=portico_rp([sm])_(\d{1,7}):10m rate=\2r/\1$"#,
    ])
    static let limitBlocks = patterns([#"^geo \$portico_limit_exempt_[0-9a-f]{16}$"#])
    static let limitDirectives = patterns([
        #"^limit_conn portico_conn \d{1,7}$"#, #"^limit_req zone=portico_rp[sm]_\d{1,7}( burst=\d{1,10})? nodelay$"#,
        #"^limit_rate(_after)? \d{1,10}k$"#,
    ])
    /// What a limited route sets: its Ingress's key, and no key for an exempt address.
    static let limitKey = pattern(#"^set \$portico_limit_key "[0-9a-f]{16}:\$binary_remote_addr"$"#)
    static let limitExemptCondition = pattern(#"^if \(\$portico_limit_exempt_[0-9a-f]{16}\)$"#)
    static let limitExemptKey = #"set $portico_limit_key """#
    /// The maps the template writes, by `source result`.
    static let mapNames = [
        "$http_host $portico_host", "$http_upgrade $portico_connection", "$host $portico_exact_host",
        "$host $portico_parent_host", "$portico_parent_host $portico_wildcard_host", "$portico_exact_host $portico_vhost",
        "$portico_route $portico_route_upstream", "$request_method:$portico_cors $portico_cors_preflight",
        requestIDMap, wwwPathMap,
    ] + corsMaps.keys.sorted()
    static let httpBlocks = [pattern(#"^server$"#), escapeMapBlock] + canaryBlocks + mapNames.map { name in
        // A source with a colon is quoted, as the template writes it.
        let quoted = name.contains(":") ? "\"" + name.replacingOccurrences(" ", "\" ") : name
        return pattern("^map " + quoted.replacingOccurrences("$", #"\$"#) + "$")
    }
    /// Canaries: a header's or a cookie's map, a weight's `split_clients`, and the map over their
    /// words that picks a canary route's Service (the checker reads each back).
    static let canaryBlocks = patterns([
        #"^map \$(http|cookie)_[a-z0-9_]{1,300} \$portico_canary_[hc]_[0-9a-f]{8}(_\d{1,6})?$"#,
        #"^split_clients \$request_id \$portico_canary_w_\d{1,5}$"#,
        #"^map ("?)(\$portico_canary_[hcw]_[0-9a-f_]{1,16}){1,3}\1 \$portico_canary_[0-9a-f]{8}(_\d{1,6})?$"#,
    ])
    /// A canary's header or cookie name after `$http_` / `$cookie_`, as nginx lowercases it.
    static let canaryName = pattern(#"^[a-z0-9_]{1,300}$"#)
    /// A canary header's value (`canary-by-header-value`) and pattern, as Router validates them.
    static let canaryValue = pattern(#"^[A-Za-z0-9 ._~/:-]{1,1024}$"#)
    static let canaryPattern = pattern(#"^[A-Za-z0-9/._~:^$\[\](){}*+?|&=\\-]{1,1024}$"#)
    /// Maps whose lines never change, as the checker's `description` writes them.
    static let fixedMaps: [String: [String]] = [
        "$http_host $portico_host": [#""" $host"#, "default $http_host"],
        "$http_upgrade $portico_connection": [#""" close"#, "default upgrade"],
        "$host $portico_parent_host": [#"default """#, #""~^[^.]+\.(.+)$" $1"#],
        "$portico_exact_host $portico_vhost": [#""" $portico_wildcard_host"#, "default $portico_exact_host"],
        "$request_method:$portico_cors $portico_cors_preflight": ["default 0", #""~^OPTIONS:." 1"#],
        requestIDMap: requestIDLines,
        wwwPathMap: ["default $request_uri", #""~^(.*)/$" $1"#],
    ].merging(corsMaps) { a, _ in a }
    /// from-to-www-redirect: the request's URI less one trailing slash, and the redirect of a name.
    static let wwwPathMap = "$request_uri $portico_www_path"
    static let wwwRedirect = patterns([#"^return 308 "\$scheme://NAME:\$server_port\$portico_www_path"$"#])[0]
    /// With an HTTPS listener: the maps that redirect, add HSTS and pick a handshake's certificate.
    static let httpsMapNames = [
        "$scheme:$request_uri $portico_to_https", "$request_uri $portico_https_path", "$host $portico_https_url",
        "$host $portico_https_url_preserved", "$scheme $portico_hsts",
        "$ssl_server_name $portico_cert_exact", "$ssl_server_name $portico_sni_parent",
        "$portico_sni_parent $portico_cert_wildcard", "$portico_cert_exact $portico_cert",
    ]
    static let httpsBlocks = httpsMapNames.map { name in
        // The one source with a colon is quoted, as the template writes it.
        let quoted = name.hasPrefix("$scheme:") ? "\"" + name.replacingOccurrences(" ", "\" ") : name
        return pattern("^map " + quoted.replacingOccurrences("$", #"\$"#) + "$")
    }
    /// The HTTPS maps whose lines never change. ACME challenges are never redirected.
    static let httpsFixedMaps: [String: [String]] = [
        "$scheme:$request_uri $portico_to_https": ["default 0", #""~^http:/\.well-known/acme-challenge/" 0"#, #""~^http:" 1"#],
        "$ssl_server_name $portico_sni_parent": [#"default """#, #""~^[^.]+\.(.+)$" $1"#],
        "$request_uri $portico_https_path": ["default $request_uri", #""~^(.*)/$" $1"#],
        "$portico_cert_exact $portico_cert": [#""" $portico_cert_wildcard"#, "default $portico_cert_exact"],
    ]
    /// The certificate files Portico writes from Secrets: `tls/` and 32 hex digits of their SHA-256.
    static let certificateFile = pattern(#"^tls/[0-9a-f]{32}\.pem$"#)
    static let httpsListen = pattern(#"^listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-fA-F:.]+\]:)?\d{1,5}( proxy_protocol)? ssl http2 default_server$"#)
    static let hstsHeader = "add_header Strict-Transport-Security $portico_hsts always"
    /// enable-cors: the headers a CORS route and its named location add, in order, their values
    /// from the variables the route sets.
    static let corsHeaders = [
        ("Access-Control-Allow-Origin", "$portico_cors_origin"), ("Access-Control-Allow-Credentials", "$portico_cors_credentials"),
        ("Access-Control-Allow-Methods", "$portico_cors_methods"), ("Access-Control-Allow-Headers", "$portico_cors_headers"),
        ("Access-Control-Expose-Headers", "$portico_cors_expose"), ("Access-Control-Max-Age", "$portico_cors_max_age"),
    ].map { "add_header \($0.0) \($0.1) always" }
    /// The maps that read the CORS headers' values from the policy a route sets in `$portico_cors`
    /// (`DataPlane.corsPolicyValue`), each field by its position; their lines never change.
    static let corsMaps: [String: [String]] = {
        let field = #"[^|]*\|"#
        func nth(_ n: Int, last: Bool = false) -> [String] {
            let capture = last ? "([0-9]+)$" : #"([^|]*)\|"#
            return [#"default """#, "\"~^[*=]\\|" + String(repeating: field, count: n) + capture + "\" $1"]
        }
        return [
            "$portico_cors $portico_cors_origin": [#"default """#, #""~^\*\|" "*""#, #""~^=\|" $http_origin"#],
            "$portico_cors $portico_cors_credentials": [#"default """#, #""~^[*=]\|true\|" "true""#],
            "$portico_cors $portico_cors_methods": nth(1), "$portico_cors $portico_cors_headers": nth(2),
            "$portico_cors $portico_cors_expose": nth(3), "$portico_cors $portico_cors_max_age": nth(4, last: true),
        ]
    }()
    static let corsPreflight = "if ($portico_cors_preflight)"
    /// A CORS route's policy as Router validates its values: `*` or `=`, `true` or nothing, tokens of
    /// letters, digits, `-`, `_`, `*`, commas and spaces, and a number.
    static let corsValue = pattern(corsValueText)
    static let corsValueText =
        #"^set \$portico_cors "[*=]\|(true)?\|[A-Za-z0-9_*, -]{0,1024}\|[A-Za-z0-9_*, -]{0,1024}\|[A-Za-z0-9_*, -]{0,1024}\|[0-9]{1,9}"$"#
    static let corsOriginCondition = pattern(#"^if \(\$http_origin ~\* "\^\(\?:[ -~]+\)\$" \)$"#)
    /// The redirect of plain HTTP, the first thing a location that redirects does, and all its `if` does.
    static let redirectCondition = "if ($portico_to_https)"
    static let redirect = "return 308 $portico_https_url"
    /// The same, keeping the target's trailing slash (`preserve-trailing-slash`).
    static let redirectPreserved = "return 308 $portico_https_url_preserved"
    static let hostName = patterns(["^NAME$"])[0]
    /// What the exact-host map gives a host: its name, or `$scheme:NAME` for an HTTPRoute host of
    /// one scheme (`GatewayHost.mapValue`).
    static let hostValue = patterns([#"^(\$scheme:)?NAME$"#])[0]
    /// `/HOST/PATH` in the route map, HOST exact, a wildcard, or the catch-all `_`.
    static let routeKey = patterns([#"^/(_|(\*\.)?NAME)PATH$"#])[0]
    static let pathLiteral = patterns(["^PATH$"])[0]
    static let statusServer = patterns([#"^listen 127\.0\.0\.1:\d{1,5}$"#, #"^access_log off$"#])
    static let statusServerBlocks = patterns([#"^location = /portico/generation$"#, #"^location /$"#])
    static let server = patterns([
        #"^listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-fA-F:.]+\]:)?\d{1,5}( proxy_protocol)? default_server$"#, #"^server_name _$"#,
        #"^rewrite \^ /\$portico_vhost\$uri break$"#, #"^uninitialized_variable_warn off$"#,
        #"^rewrite \^\(\?!//portico-auth\$\) /\$portico_vhost\$uri break$"#,
    ])
    static let serverBlocks = patterns([
        #"^location @portico_proxy(_[0-9a-f]{8}(_\d{1,6})?)?$"#, #"^location /(_|(\*\.)?NAME)/$"#, #"^location /$"#,
        #"^location = //portico-auth$"#, #"^location @portico_auth_signin$"#,
        #"^location "/(_|(https?:)?(\*\.)?NAME)/"$"#, #"^location @portico_gw_[0-9a-f]{8}(_\d{1,6})?$"#,
    ])
    /// A named location: settings and the one proxy_pass.
    static let proxyLocation = patterns([
        #"^proxy_pass https?://\$portico_upstream(\$request_uri)?$"#,
        #"^proxy_(connect|read|send)_timeout \d{1,4}s$"#, #"^client_max_body_size \d{1,9}[kmg]?$"#,
        #"^allow [0-9a-f.:]+/\d{1,3}$"#, #"^deny ([0-9a-f.:]+/\d{1,3}|all)$"#,
        // ingress-nginx's proxying annotations, as Router validates them.
        #"^proxy_(request_)?buffering (on|off)$"#, #"^proxy_buffer_size \d{1,9}[km]?$"#, #"^proxy_buffers \d{1,4} \d{1,9}[km]?$"#,
        #"^proxy_http_version 1\.[01]$"#, #"^proxy_next_upstream_tries \d{1,3}$"#, #"^proxy_next_upstream_timeout \d{1,4}s$"#,
        #"^proxy_next_upstream (error|timeout|invalid_header|http_50[0234]|http_40[34]|http_429|non_idempotent|off)"#
            + #"( (error|timeout|invalid_header|http_50[0234]|http_40[34]|http_429|non_idempotent))*$"#,
        #"^access_log off$"#,
        #"^(proxy|grpc)_set_header Host (\$portico_host|\$portico_upstream_vhost|"NAME(:\d{1,5})?")$"#,
        #"^(proxy|grpc)_set_header X-Forwarded-Prefix "[A-Za-z0-9/._~:-]{1,1024}"$"#,
        // backend-protocol GRPC and GRPCS: nginx's grpc module, which sends the rewritten URI.
        #"^grpc_pass grpcs?://\$portico_upstream$"#, #"^grpc_(connect|read|send)_timeout \d{1,4}s$"#,
    ]) + authProxy + globalProxyHeaders + [
        pattern("^(proxy|grpc)_set_header (" + forwardedHeaders.map { $0.key + " " + $0.value.replacingOccurrences("$", #"\$"#) }.sorted().joined(separator: "|") + ")$")
    ]
    /// What a gRPC named location does first (a literal line): the URI without the host key.
    static let grpcRewrite = #"rewrite ^/[^/]+(/.*)$ $1 break"#
    /// The forwarded headers HTTP/2 does not carry (hop-by-hop): not sent to a gRPC backend.
    static let hopByHopHeaders: Set<String> = ["Upgrade", "Connection"]
    /// The headers nginx.conf's http context sends, which a named location that sets one of its own
    /// must send too, by name; Host comes from the route (`upstream-vhost`) or is `$portico_host`.
    static let forwardedHeaders = [
        "X-Forwarded-For": "$proxy_add_x_forwarded_for", "X-Forwarded-Proto": "$scheme", "X-Forwarded-Host": "$portico_host",
        "X-Real-IP": "$remote_addr", "Upgrade": "$http_upgrade", "Connection": "$portico_connection",
    ]
    /// What a host's location and its routes may do themselves.
    static let action = patterns([
        #"^set \$portico_upstream (NAME:\d{1,5}|\$portico_route_upstream|\$portico_canary_[0-9a-f]{8}(_\d{1,6})?)$"#, #"^return (404|418|503)$"#,
        // permanent-redirect / temporal-redirect: the URL as Router validates it.
        #"^return 30[0-8] "https?://[A-Za-z0-9\-._~:/?#\[\]@!&'()*+,=%]{1,2040}"$"#,
        // app-root: the same scheme and host, a validated path.
        #"^return 302 "\$scheme://\$http_host/[A-Za-z0-9/._~!*+,:@=&-]{1,1024}"$"#,
        #"^error_page 418 = @portico_proxy(_[0-9a-f]{8}(_\d{1,6})?)?$"#, #"^client_max_body_size \d{1,9}[kmg]?$"#,
        // rewrite-target: the route's own regex, caseless, and a target of path characters and groups.
        #"^rewrite "\(\?i\)\^[ -~]+" "# + rewriteTarget,
        corsValueText,
        // upstream-vhost: the Host header its named location sends, as Router validates it.
        #"^set \$portico_upstream_vhost "NAME(:\d{1,5})?"$"#,
    ] + authValues)
    /// A `rewrite-target` as Router validates it: a path with `$1`... groups, no variable.
    static let rewriteTarget = #"(/|\$[0-9])([A-Za-z0-9/._~:-]|\$[0-9])*$"#
    /// A regex path as Router validates it (after `^`; it must also compile on its own).
    static let regexPath = pattern(#"^/[A-Za-z0-9/._~:^$\[\](){}*+?|&=\\-]{0,1023}$"#)
    /// A host's routes: Exact paths, and regexes the checker reads back.
    static let hostBlocks = patterns([
        #"^location = /(_|(\*\.)?NAME)PATH$"#, #"^location ~ \^[ -~]+$"#, #"^location ~\* "\^[ -~]+"$"#,
    ])
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

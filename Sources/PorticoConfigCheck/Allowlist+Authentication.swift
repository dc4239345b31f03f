import PorticoPCRE

/// What basic and external authentication may add to a config, as Router validates each value.
extension Allowlist {
    /// In a named location: the directives; every value comes from the routes.
    static let authProxy = patterns([
        #"^auth_basic \$portico_auth_realm$"#, #"^auth_basic_user_file \$portico_auth_file$"#, #"^auth_request //portico-auth$"#,
        #"^auth_request_set (\$portico_auth_cookie \$upstream_http_set_cookie|\$portico_auth_header_\d{1,2} \$upstream_http_[a-z0-9_]{1,256})$"#,
        #"^add_header Set-Cookie \$portico_auth_cookie( always)?$"#, #"^error_page 401 = @portico_auth_signin$"#,
        #"^(proxy|grpc)_set_header (Authorization ""|[A-Za-z0-9_-]{1,256} \$portico_auth_header_\d{1,2})$"#,
    ])

    /// What an authenticated route sets: a realm of ingress-nginx's characters, a file Portico
    /// wrote, URLs without a variable (but the sign-in URL's own few), an HTTP method; and the chain
    /// of error pages a sign-in redirect needs.
    static let authValues = [
        #"^set \$portico_auth_realm "[A-Za-z0-9 ._~:/-]{0,1024}"$"#, #"^set \$portico_auth_file auth/[0-9a-f]{32}\.htpasswd$"#,
        #"^set \$portico_auth_url "https?://(([0-9]{1,3}\.){3}[0-9]{1,3}|NAME)(:\d{1,5})?([/?][A-Za-z0-9._~/:,?&=-]{0,2040})?"$"#,
        #"^set \$portico_auth_host "(NAME|([0-9]{1,3}\.){3}[0-9]{1,3})"$"#,
        #"^set \$portico_auth_method (\$request_method|GET|HEAD|POST|PUT|PATCH|DELETE|CONNECT|OPTIONS|TRACE)$"#,
        #"^set \$portico_auth_original_uri (""|\$request_uri)$"#, #"^set \$portico_auth_scheme (""|\$scheme)$"#,
        #"^set \$portico_auth_redirect (\$request_uri|"[A-Za-z0-9._~/:,?&=-]{1,2048}")$"#,
        #"^set \$portico_auth_signin "https?://(\$host|\$http_host|NAME|([0-9]{1,3}\.){3}[0-9]{1,3})(:\d{1,5})?"#
            + #"([/?]([A-Za-z0-9._~/:,?&=-]|\$(host|http_host|scheme|request_uri|portico_escaped_request_uri)(?![A-Za-z0-9_]))*)?"$"#,
        #"^recursive_error_pages on$"#,
    ]

    /// The auth location every `auth_request` asks, line by line.
    static let authLocation = [
        "internal", "access_log off", "proxy_pass_request_body off", #"proxy_set_header Content-Length """#,
        #"proxy_set_header X-Forwarded-Proto """#, "proxy_set_header Host $portico_auth_host",
        "proxy_set_header X-Original-URI $portico_auth_original_uri", "proxy_set_header X-Scheme $portico_auth_scheme",
        "proxy_set_header X-Original-URL $scheme://$http_host$request_uri", "proxy_set_header X-Original-Method $request_method",
        #"proxy_set_header X-Sent-From "nginx-ingress-controller""#, "proxy_set_header X-Real-IP $remote_addr",
        "proxy_set_header X-Forwarded-For $remote_addr", "proxy_set_header X-Auth-Request-Redirect $portico_auth_redirect",
        "proxy_method $portico_auth_method", "proxy_ssl_server_name on", "proxy_pass $portico_auth_url",
    ]
    /// Where a 401 of a route with auth-signin goes.
    static let signinLocation = ["add_header Set-Cookie $portico_auth_cookie", "return 302 $portico_auth_signin"]
    /// The server's rewrite when an auth location exists: it must leave the auth subrequest alone.
    static let authRewrite = #"rewrite ^(?!//portico-auth$) /$portico_vhost$uri break"#
    static let plainRewrite = "rewrite ^ /$portico_vhost$uri break"

    /// With auth-signin, by `source result`: eight steps, each escaping the first `%`, `&`, `+` or
    /// `;` of what is left of the request's URI (`done`) and leaving the rest to the next; then all.
    static let escapeMaps: [String: [String]] = {
        var maps: [String: [String]] = [:]
        var source = "$request_uri"
        var parts: [String] = []
        for step in 1...8 {
            let escapes = [("%", "%25"), ("&", "%26"), (#"\+"#, "%2B"), (";", "%3B")].map { #""~^([^%&+;]*)"# + $0.0 + #"" "$1"# + $0.1 + "\"" }
            maps["\(source) $portico_rd_done_\(step)"] = escapes + ["default \(source)"]
            maps["\(source) $portico_rd_rest_\(step)"] = [#""~^[^%&+;]*[%&+;](.*)$" $1"#, #"default """#]
            parts.append("$portico_rd_done_\(step)")
            source = "$portico_rd_rest_\(step)"
        }
        maps["$request_uri $portico_escaped_request_uri"] = ["default \"" + parts.joined() + source + "\""]
        return maps
    }()
    static let escapeMapBlock = pattern(#"^map \$(request_uri|portico_rd_rest_[1-7]) \$portico_(rd_(done|rest)_[1-8]|escaped_request_uri)$"#)
}

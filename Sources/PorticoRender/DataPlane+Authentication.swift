import PorticoRouting

/// How authentication fits the data plane (docs/data-plane.md): it runs in the access phase, so in
/// the named location a route hands over to, and everything that differs between Ingresses (realm,
/// file, URL) is a variable the route sets first: one combination serves every basic-auth Secret,
/// and one internal location, `= //portico-auth`, every auth URL. nginx starts the auth subrequest
/// at the server's rewrite, which skips exactly that URI (one no client request can have: nginx
/// merges a client's slashes), and the subrequest shares the route's variables.
extension DataPlane {
    /// The internal location every `auth_request` asks.
    static let authLocation = "//portico-auth"
    /// Where a 401 of a route with `auth-signin` goes: a 302 to the route's sign-in URL.
    static let signinLocation = "@portico_auth_signin"
    /// How many of the characters `%`, `&`, `+` and `;` of the request's URI the `rd=` of a sign-in
    /// redirect escapes: one map each (nginx has no escaping of its own, and Debian's nginx no
    /// set_escape_uri); the rest of the URI follows as it is.
    static let escapedCharacters = 8

    /// The variables an authenticated route sets, in order, and their values as nginx tokens.
    static func authValues(_ auth: Authentication) -> [(name: String, value: String)] {
        var values: [(name: String, value: String)] = []
        if let basic = auth.basic {
            values += [("$portico_auth_realm", quoted(basic.realm)), ("$portico_auth_file", basic.file)]
        }
        if let external = auth.external {
            values += [
                ("$portico_auth_url", quoted(external.url)), ("$portico_auth_host", quoted(external.host)),
                ("$portico_auth_method", external.method ?? "$request_method"),
                // ingress-nginx sends these two only with auth-method.
                ("$portico_auth_original_uri", external.method == nil ? "\"\"" : "$request_uri"),
                ("$portico_auth_scheme", external.method == nil ? "\"\"" : "$scheme"),
                ("$portico_auth_redirect", external.requestRedirect.map(quoted) ?? "$request_uri"),
            ]
            if let signin = external.signin { values.append(("$portico_auth_signin", quoted(signin))) }
        }
        return values
    }

    /// `auth-response-headers`: the variable each header of the auth service's answer is kept in.
    static func authHeaderVariable(_ index: Int) -> String { "$portico_auth_header_\(index)" }

    /// nginx's variable for a response header of the auth service (`X-Auth-User`: `$upstream_http_x_auth_user`).
    static func upstreamHeaderVariable(_ name: String) -> String {
        "$upstream_http_" + String(name.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The maps that escape the request's URI for `rd=`, one character each: `(source, result,
    /// lines)`. Each step takes what is left of the URI, escapes its first `%`, `&`, `+` or `;` with
    /// what comes before it (`done`), and leaves the rest for the next step; the last map joins them.
    static var escapeMaps: [(source: String, result: String, lines: [String])] {
        var maps: [(source: String, result: String, lines: [String])] = []
        var rest = "$request_uri"
        var done: [String] = []
        for step in 1...escapedCharacters {
            let head = "$portico_rd_done_\(step)", tail = "$portico_rd_rest_\(step)"
            maps.append(
                (rest, head, [
                    #""~^([^%&+;]*)%" "$1%25""#, #""~^([^%&+;]*)&" "$1%26""#, #""~^([^%&+;]*)\+" "$1%2B""#, #""~^([^%&+;]*);" "$1%3B""#,
                    "default \(rest)",
                ]))
            maps.append((rest, tail, [#""~^[^%&+;]*[%&+;](.*)$" $1"#, #"default """#]))
            done.append(head)
            rest = tail
        }
        maps.append(("$request_uri", "$portico_escaped_request_uri", ["default \"\(done.joined())\(rest)\""]))
        return maps
    }
}

extension Authentication {
    /// What the named location holds of it: basic authentication with the route's realm and file,
    /// the auth service asked with the route's URL; which headers it copies, whether a 401 goes to
    /// the sign-in redirect and when the auth service's cookie is passed on are its own.
    var proxied: Authentication {
        Authentication(
            basic: basic.map { _ in BasicAuthentication(realm: "", file: "") },
            external: external.map {
                ExternalAuthentication(
                    url: "", host: "", signin: $0.signin == nil ? nil : "", responseHeaders: $0.responseHeaders,
                    alwaysSetCookie: $0.alwaysSetCookie)
            })
    }

    /// For naming and ordering named locations and in a route's settings.
    var canonical: [String] {
        var parts: [String] = []
        if let basic { parts.append("basic=\(basic.realm),\(basic.file)") }
        if let e = external {
            parts.append("auth-url=\(e.url),\(e.host),\(e.method ?? ""),\(e.requestRedirect ?? "")")
            parts.append("auth-headers=" + e.responseHeaders.joined(separator: ","))
            if let signin = e.signin { parts.append("signin=" + signin) }
            if e.alwaysSetCookie { parts.append("auth-cookie-always") }
        }
        return parts
    }
}

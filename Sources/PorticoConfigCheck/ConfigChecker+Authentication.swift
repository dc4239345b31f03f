import PorticoRouting

/// Authentication, read back: the named location of a combination authenticates with what its
/// routes set (nothing else), each route sets all of it before it hands over, the auth location and
/// the sign-in redirect are exactly the template's and exist exactly when a route needs them, and
/// the server's rewrite leaves the auth subrequest alone only then.
extension CheckRun {
    /// The named location's own authentication directives (not its headers).
    static func isAuthDirective(_ d: ConfigDirective) -> Bool {
        ["auth_basic", "auth_basic_user_file", "auth_request", "auth_request_set"].contains(d.name)
            || (d.name == "add_header" && d.arguments.first?.value == "Set-Cookie")
            || (d.name == "error_page" && d.arguments.first?.value == "401" && !isErrorPage(d))
    }

    /// A header the named location sets for authentication: no Authorization, or an auth service's.
    static func isAuthHeader(_ d: ConfigDirective) -> Bool {
        guard d.name.hasSuffix("_set_header"), d.arguments.count == 2 else { return false }
        return d.arguments[0].value.lowercased() == "authorization" || d.arguments[1].value.hasPrefix("$portico_auth_header_")
    }

    /// What a named location does of authentication, in the shape routes share (`url`, realm and
    /// file are the routes'); nil when it does none.
    mutating func namedAuthentication(_ location: ConfigDirective, headers: [ConfigDirective]) -> Authentication? {
        let own = location.children.filter(Self.isAuthDirective)
        let authHeaders = headers.filter(Self.isAuthHeader)
        guard !own.isEmpty || !authHeaders.isEmpty else { return nil }
        var auth = Authentication()
        let basic = own.filter { $0.name.hasPrefix("auth_basic") }.map(\.description)
        let authorization = authHeaders.filter { $0.arguments[0].value.lowercased() == "authorization" }
        if !basic.isEmpty {
            if basic != ["auth_basic $portico_auth_realm", "auth_basic_user_file $portico_auth_file"] {
                fail(location, "basic authentication is not auth_basic $portico_auth_realm and auth_basic_user_file $portico_auth_file")
            }
            auth.basic = BasicAuthentication(realm: "", file: "")
        }
        // The credentials stay with nginx (ingress-nginx's `proxy_set_header Authorization ""`).
        let dropsCredentials = authorization.count == 1 && authorization[0].arguments[1].value.isEmpty && authorization[0].arguments[0].value == "Authorization"
        if (auth.basic != nil) != dropsCredentials {
            fail(location, auth.basic != nil ? "basic authentication passes the client's credentials on" : "drops Authorization without basic authentication")
        }
        let external = own.filter { !$0.name.hasPrefix("auth_basic") }
        guard !external.isEmpty || authHeaders.count > authorization.count else { return auth.basic == nil ? nil : auth }
        let requests = external.filter { $0.name == "auth_request" }.map(\.description)
        let cookieSet = external.filter { $0.description == "auth_request_set $portico_auth_cookie $upstream_http_set_cookie" }
        let cookies = external.filter { $0.name == "add_header" }.map(\.description)
        guard requests == ["auth_request //portico-auth"], cookieSet.count == 1,
            cookies == ["add_header Set-Cookie $portico_auth_cookie"] || cookies == ["add_header Set-Cookie $portico_auth_cookie always"]
        else {
            fail(location, "external authentication is not one auth_request //portico-auth with the auth service's cookie passed on")
            return auth
        }
        // auth-response-headers: auth_request_set $portico_auth_header_N then the header sent with it, N from 0.
        let kept = external.filter { $0.name == "auth_request_set" && $0.arguments.first?.value.hasPrefix("$portico_auth_header_") == true }
        let sent = authHeaders.filter { $0.arguments[1].value.hasPrefix("$portico_auth_header_") }
        var names: [String] = []
        if kept.count != sent.count { fail(location, "auth service headers kept and sent differ") }
        for (i, d) in kept.enumerated() {
            let variable = "$portico_auth_header_\(i)"
            guard d.arguments[0].value == variable, let header = sent.first(where: { $0.arguments[1].value == variable }) else {
                fail(d, "auth service header \(i) is not kept in \(variable) and sent")
                continue
            }
            let name = header.arguments[0].value
            let upstream = "$upstream_http_" + String(name.lowercased().map { $0 == "-" ? "_" : $0 })
            if d.arguments.count != 2 || d.arguments[1].value != upstream { fail(d, "\(variable) is not the auth service's \(name)") }
            names.append(name)
        }
        if Set(names.map { $0.lowercased() }).count != names.count { fail(location, "an auth service header sent twice") }
        let signin = external.filter { $0.name == "error_page" }.map(\.description)
        if !signin.isEmpty, signin != ["error_page 401 = @portico_auth_signin"] { fail(location, "a 401 goes elsewhere than the sign-in redirect") }
        auth.external = ExternalAuthentication(
            url: "", host: "", signin: signin.isEmpty ? nil : "", responseHeaders: names, alwaysSetCookie: cookies[0].hasSuffix(" always"))
        return auth
    }

    /// What every route of a named location shares of its authentication.
    static func shared(_ auth: Authentication?) -> Authentication? {
        guard let auth else { return nil }
        return Authentication(
            basic: auth.basic.map { _ in BasicAuthentication(realm: "", file: "") },
            external: auth.external.map {
                ExternalAuthentication(
                    url: "", host: "", signin: $0.signin == nil ? nil : "", responseHeaders: $0.responseHeaders, alwaysSetCookie: $0.alwaysSetCookie)
            })
    }

    /// The variables a route sets for authentication, in the order it must set them.
    static let basicVariables = ["$portico_auth_realm", "$portico_auth_file"]
    static let externalVariables = [
        "$portico_auth_url", "$portico_auth_host", "$portico_auth_method", "$portico_auth_original_uri", "$portico_auth_scheme",
        "$portico_auth_redirect",
    ]

    /// A route's authentication, read back from what it sets (the named location's own part
    /// completed by `proxy`), or nil when it sets none. The sets come before the hand-over.
    /// `errorPages`: the named location has custom errors, which chain error pages too.
    mutating func routeAuthentication(_ location: ConfigDirective, proxy: Authentication?, errorPages: Bool = false) -> Authentication? {
        let children = location.children
        let sets = children.filter { $0.name == "set" && $0.arguments.first?.value.hasPrefix("$portico_auth_") == true }
        let chains = children.filter { $0.description == "recursive_error_pages on" }
        guard !sets.isEmpty else {
            if !chains.isEmpty && !errorPages { fail(location, "recursive_error_pages without a sign-in redirect") }
            return nil
        }
        if let handOver = children.firstIndex(where: { $0.name == "return" }),
            let last = sets.compactMap({ d in children.firstIndex { $0.line == d.line } }).max(), last > handOver
        {
            fail(location, "authentication values set after the hand-over never are")
        }
        var values: [String: ConfigArgument] = [:]
        for d in sets where d.arguments.count == 2 { values[d.arguments[0].value] = d.arguments[1] }
        let names = sets.map { $0.arguments[0].value }
        var auth = Authentication()
        var rest = names[...]
        if rest.first == Self.basicVariables[0] {
            guard rest.prefix(2).elementsEqual(Self.basicVariables), let realm = values[Self.basicVariables[0]], let file = values[Self.basicVariables[1]]
            else {
                fail(location, "basic authentication must set \(Self.basicVariables) in order")
                return nil
            }
            if realm.value.lowercased() == "off" { fail(location, "a realm of off turns basic authentication off") }
            if !prediction.authFiles.contains(file.value) { fail(location, "\(file.value) is not an htpasswd file of the table") }
            auth.basic = BasicAuthentication(realm: realm.value, file: file.value)
            rest = rest.dropFirst(2)
        }
        if !rest.isEmpty {
            let signin = rest.count == Self.externalVariables.count + 1 && rest.last == "$portico_auth_signin"
            guard rest.prefix(Self.externalVariables.count).elementsEqual(Self.externalVariables),
                rest.count == Self.externalVariables.count || signin, let url = values["$portico_auth_url"], let host = values["$portico_auth_host"],
                let method = values["$portico_auth_method"], let uri = values["$portico_auth_original_uri"],
                let scheme = values["$portico_auth_scheme"], let redirect = values["$portico_auth_redirect"]
            else {
                fail(location, "external authentication must set \(Self.externalVariables) (and $portico_auth_signin) in order, after basic's")
                return nil
            }
            var external = ExternalAuthentication(url: url.value, host: host.value)
            // ingress-nginx sends X-Original-URI and X-Scheme with auth-method only.
            if method.value == "$request_method" {
                if uri.value != "" || scheme.value != "" { fail(location, "X-Original-URI and X-Scheme without auth-method") }
            } else {
                external.method = method.value
                if uri.value != "$request_uri" || scheme.value != "$scheme" { fail(location, "auth-method without X-Original-URI and X-Scheme") }
            }
            external.requestRedirect = redirect.quoted ? redirect.value : nil
            external.signin = signin ? values["$portico_auth_signin"]?.value : nil
            external.responseHeaders = proxy?.external?.responseHeaders ?? []
            external.alwaysSetCookie = proxy?.external?.alwaysSetCookie ?? false
            auth.external = external
        }
        if auth.external?.signin != nil ? chains.count != 1 : !chains.isEmpty && !errorPages {
            fail(location, "a sign-in redirect needs recursive_error_pages on, once, and nothing else does")
        }
        return auth
    }

    /// The auth location and the sign-in redirect, exactly when routes need them, and the rewrite
    /// that leaves the auth subrequest alone.
    mutating func checkAuthServer(_ server: ConfigDirective) {
        let rewrites = server.children.filter { $0.name == "rewrite" }.map(\.description)
        let rewrite = prediction.externalAuth ? Allowlist.authRewrite : Allowlist.plainRewrite
        if rewrites != [rewrite] { fail(server, "the server's rewrite is not \(rewrite)") }
        for (arguments, lines, needed) in [
            (["=", "//portico-auth"], Allowlist.authLocation, prediction.externalAuth), (["@portico_auth_signin"], Allowlist.signinLocation, prediction.signin),
        ] {
            let found = server.children.filter { $0.name == "location" && args($0) == arguments }
            if found.count != (needed ? 1 : 0) {
                fail(server, "\(found.count) location \(arguments.joined(separator: " ")), expected \(needed ? 1 : 0)")
            }
            for location in found where location.children.map(\.description) != lines || location.children.contains(where: { $0.block != nil }) {
                fail(location, "location \(arguments.joined(separator: " ")) is not \(lines)")
            }
        }
    }

    /// With a sign-in redirect: the maps that escape the request's URI for it, exactly, and the
    /// larger variables hash their variables need; without one, none of it.
    mutating func checkEscapeMaps(_ http: ConfigDirective, _ maps: [String: ConfigDirective]) {
        for (name, lines) in Allowlist.escapeMaps {
            guard let map = maps[name] else {
                if prediction.signin { fail(http, "no map \(name)") }
                continue
            }
            if !prediction.signin { fail(map, "map \(name) without a sign-in redirect") }
            if map.children.map(\.description) != lines || map.children.contains(where: { $0.block != nil }) {
                fail(map, "map \(name) is not \(lines)")
            }
        }
        // The escaping maps' variables need room: at least 2048 (one directive, counted with the canaries').
        let sizes = http.children.filter { $0.name == "variables_hash_max_size" }.compactMap { Int(args($0).first ?? "") }
        if prediction.signin, !sizes.contains(where: { $0 >= 2048 }) { fail(http, "auth-signin maps without variables_hash_max_size 2048 or more") }
    }
}

import PorticoModel

/// Why an HTTPRoute's values cannot be served safely as nginx directives, before any of them
/// reaches nginx.conf: paths, header and query parameter names and values, methods, regexes and
/// filter settings. A route with one is not accepted (`UnsupportedValue`) and serves nothing,
/// so that what it asked for never half-applies.
enum GatewayValues {
    static let maxValue = 4096
    static let maxMatches = 1000
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    /// The first problem, as `FIELD: WHY`.
    static func problem(_ route: HTTPRoute) -> String? {
        let total = route.spec.rules.reduce(0) { $0 + $1.matches.count }
        if total > maxMatches { return "spec.rules: \(total) matches, more than the \(maxMatches) Portico serves in one route" }
        for (r, rule) in route.spec.rules.enumerated() {
            let at = "spec.rules[\(r)]"
            for (m, match) in rule.matches.enumerated() {
                let here = "\(at).matches[\(m)]"
                switch match.path.type {
                case "Exact", "PathPrefix":
                    if let why = pathProblem(match.path.value) { return "\(here).path.value: \(why)" }
                case "RegularExpression":
                    if let why = regexPathProblem(match.path.value) { return "\(here).path.value: \(why)" }
                default: break
                }
                if let method = match.method, !methods.contains(method) {
                    return "\(here).method: \(MessageText.quoted(method)) is not an HTTP method the specification names"
                }
                for (i, header) in match.headers.enumerated() {
                    if let why = headerNameProblem(header.name) ?? valueProblem(header.value, regex: header.type == "RegularExpression") {
                        return "\(here).headers[\(i)]: \(why)"
                    }
                }
                for (i, query) in match.queryParams.enumerated() {
                    if let why = queryNameProblem(query.name) ?? valueProblem(query.value, regex: query.type == "RegularExpression") {
                        return "\(here).queryParams[\(i)]: \(why)"
                    }
                }
            }
            var seen = Set<String>()
            for (f, filter) in rule.filters.enumerated() {
                let here = "\(at).filters[\(f)]"
                if !seen.insert(filter.type).inserted { return "\(here): a second \(filter.type) filter in one rule" }
                switch filter {
                case .requestHeaderModifier(let h), .responseHeaderModifier(let h):
                    if let why = headerFilterProblem(h) { return "\(here): \(why)" }
                case .requestRedirect(let redirect):
                    if let why = redirectProblem(redirect, rule) { return "\(here).requestRedirect.\(why)" }
                case .urlRewrite(let rewrite):
                    if let host = rewrite.hostname, let why = hostnameProblem(host) { return "\(here).urlRewrite.hostname: \(why)" }
                    if let path = rewrite.path, let why = modifierProblem(path, rule) { return "\(here).urlRewrite.path: \(why)" }
                case .unsupported: break  // GatewayAttachment reports it
                }
            }
            if seen.contains("RequestRedirect") && seen.contains("URLRewrite") {
                return "\(at).filters: RequestRedirect and URLRewrite cannot both be set on one rule"
            }
            for (b, backend) in rule.backendRefs.enumerated() {
                if !backend.filters.isEmpty { return "\(at).backendRefs[\(b)].filters: filters on a backendRef are not served by Portico yet" }
                if backend.weight < 0 || backend.weight > 1_000_000 { return "\(at).backendRefs[\(b)].weight: must be 0 to 1000000" }
                if backend.group == "" && backend.kind == "Service" {
                    guard let port = backend.port, (1...65535).contains(port) else { return "\(at).backendRefs[\(b)].port: a Service needs a port (1-65535)" }
                    if !Validation.isSubdomain(backend.name) || backend.name.contains(".") {
                        return "\(at).backendRefs[\(b)].name: \(MessageText.quoted(backend.name)) is not a Service name"
                    }
                    if let ns = backend.namespace, !Validation.isSubdomain(ns) || ns.contains(".") {
                        return "\(at).backendRefs[\(b)].namespace: \(MessageText.quoted(ns)) is not a namespace name"
                    }
                }
            }
        }
        return nil
    }

    /// Characters a path may hold in a quoted nginx location and a rewrite: letters, digits and
    /// `/ - . _ ~ ! & ' ( ) * + , = : @`. No `%` (nginx matches decoded paths), `$`, `;`, quotes,
    /// spaces or `{}`; no `//`, `.` or `..` segments (nginx's normalised paths never hold them).
    static func pathProblem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "must start with \"/\"" }
        guard path.utf8.count <= Validation.maxPathLength else { return "is longer than \(Validation.maxPathLength) bytes" }
        for b in path.utf8 where !Validation.isAlnum(b) && !pathPunctuation.contains(b) {
            return "\(MessageText.quoted(path)) contains a character Portico does not serve in a path (allowed: letters, digits and / - . _ ~ ! & ' ( ) * + , = : @)"
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if path.contains("//") || segments.contains(where: { $0 == "." || $0 == ".." }) {
            return "\(MessageText.quoted(path)) has an empty, \".\" or \"..\" segment, which no normalised request path has"
        }
        return nil
    }

    static let pathPunctuation = Set("/-._~!&'()*+,=:@".utf8)

    /// A `RegularExpression` path: starts with `/`, holds ingress-nginx's regex characters only
    /// (no quote, space, `;`, `#`, `<` or `'`: a named group would set an nginx variable) and
    /// compiles with PCRE, case-sensitive as nginx's `~`.
    static func regexPathProblem(_ regex: String) -> String? {
        guard regex.hasPrefix("/") else { return "a regular expression path must start with \"/\"" }
        guard regex.utf8.count <= Validation.maxPathLength else { return "is longer than \(Validation.maxPathLength) bytes" }
        if let why = RoutingRun.headerPatternCharactersProblem(regex) { return "regular expression \(why)" }
        if let error = RoutingRun.headerPatternCompileError("^(?:" + regex + ")$") {
            return "regular expression \(MessageText.quoted(regex)) is not one PCRE compiles (\(error))"
        }
        return nil
    }

    /// A header name nginx can test (`$http_NAME`) and send: letters, digits and `-`.
    static func headerNameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 256, name.utf8.allSatisfy({ Validation.isAlnum($0) || $0 == UInt8(ascii: "-") }) else {
            return "header name \(MessageText.quoted(name)) is not served by Portico (letters, digits and \"-\", at most 256)"
        }
        return nil
    }

    static func queryNameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.count <= 256, name.utf8.allSatisfy({ Validation.isAlnum($0) || "-._~".utf8.contains($0) }) else {
            return "query parameter name \(MessageText.quoted(name)) is not served by Portico (letters, digits and - . _ ~, at most 256)"
        }
        return nil
    }

    /// Printable ASCII, as a header value on the wire; a regex is PCRE's and its characters are
    /// the ones ingress-nginx's header patterns allow.
    static func valueProblem(_ value: String, regex: Bool) -> String? {
        guard value.utf8.count <= maxValue else { return "value is longer than \(maxValue) bytes" }
        if regex {
            if let why = RoutingRun.headerPatternCharactersProblem(value) { return "regular expression \(why)" }
            if let error = RoutingRun.headerPatternCompileError(value) {
                return "regular expression \(MessageText.quoted(value)) is not one PCRE compiles (\(error))"
            }
            return nil
        }
        guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else {
            return "value \(MessageText.quoted(value)) holds a character that is not printable ASCII"
        }
        return nil
    }

    static func headerFilterProblem(_ h: HTTPHeaderFilter) -> String? {
        var names = Set<String>()
        for header in h.set + h.add {
            if let why = headerNameProblem(header.name) ?? valueProblem(header.value, regex: false) { return why }
            if !names.insert(header.name.lowercased()).inserted { return "header \(MessageText.quoted(header.name)) is named twice" }
        }
        for name in h.remove {
            if let why = headerNameProblem(name) { return why }
        }
        return nil
    }

    static func hostnameProblem(_ host: String) -> String? {
        guard let hostname = try? GatewayHostname(validating: host), !hostname.isWildcard else {
            return "\(MessageText.quoted(host)) is not a hostname"
        }
        return nil
    }

    static func modifierProblem(_ modifier: HTTPPathModifier, _ rule: HTTPRouteRule) -> String? {
        switch modifier.type {
        case "ReplaceFullPath":
            guard let path = modifier.replaceFullPath else { return "ReplaceFullPath needs replaceFullPath" }
            return pathProblem(path)
        case "ReplacePrefixMatch":
            guard let path = modifier.replacePrefixMatch else { return "ReplacePrefixMatch needs replacePrefixMatch" }
            if rule.matches.contains(where: { $0.path.type != "PathPrefix" }) {
                return "ReplacePrefixMatch needs every match of the rule to be a PathPrefix"
            }
            return pathProblem(path)
        default:
            return "type \(MessageText.quoted(modifier.type)) is not ReplaceFullPath or ReplacePrefixMatch"
        }
    }

    static func redirectProblem(_ r: HTTPRequestRedirectFilter, _ rule: HTTPRouteRule) -> String? {
        if let scheme = r.scheme, scheme != "http" && scheme != "https" { return "scheme: \(MessageText.quoted(scheme)) is not http or https" }
        if let host = r.hostname, let why = hostnameProblem(host) { return "hostname: \(why)" }
        if let port = r.port, !(1...65535).contains(port) { return "port: \(port) is not 1-65535" }
        if ![301, 302, 303, 307, 308].contains(r.statusCode) { return "statusCode: \(r.statusCode) is not 301, 302, 303, 307 or 308" }
        if let path = r.path, let why = modifierProblem(path, rule) { return "path: \(why)" }
        return nil
    }
}

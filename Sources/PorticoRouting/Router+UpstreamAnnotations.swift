extension RoutingRun {
    /// ingress-nginx's annotations for how a request is proxied (its `proxy`, `upstreamvhost`,
    /// `xforwardedprefix` and `log` parsers), read with its syntax and written only after
    /// validation: on/off values exactly, sizes and numbers in the ranges nginx accepts, tokens from
    /// nginx's list, a host name, path characters.
    static let upstreamSettings = [
        "proxy-buffering", "proxy-buffer-size", "proxy-buffers-number", "proxy-request-buffering", "proxy-http-version",
        "proxy-next-upstream", "proxy-next-upstream-tries", "proxy-next-upstream-timeout", "upstream-vhost",
        "x-forwarded-prefix", "enable-access-log", "backend-protocol",
    ]

    /// What happens instead of a valid value Portico does not implement, or nil.
    static func unsupportedValue(_ setting: String, _ value: String) -> String? {
        guard setting == "backend-protocol" else { return nil }
        switch value.trimmingSpaces.uppercased() {
        case "FCGI": return "FastCGI backends are not implemented; the backend is reached over plain HTTP/1.1"
        case "AUTO_HTTP": return "the backend is reached over plain HTTP/1.1, whatever the client's scheme"
        default: return nil
        }
    }

    /// The conditions `proxy_next_upstream` takes in ingress-nginx's annotation.
    static let nextUpstreamTokens: Set<String> = [
        "error", "timeout", "invalid_header", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404",
        "http_429", "non_idempotent", "off",
    ]

    static let maxBufferBytes = 64 << 20
    static let buffersNumberRange = 3...1024

    /// Applies one of `upstreamSettings`: nil, or why the value is not valid (the default applies).
    static func applyUpstream(_ setting: String, _ raw: String, to options: inout ProxyOptions) -> String? {
        // ingress-nginx trims the spaces around a value.
        let value = raw.trimmingSpaces
        var problem: String?
        options.updateUpstream { u in
            switch setting {
            case "proxy-buffering", "proxy-request-buffering":
                guard value == "on" || value == "off" else {
                    problem = "is neither \"on\" nor \"off\""
                    return
                }
                if setting == "proxy-buffering" { u.buffering = value == "on" } else { u.requestBuffering = value == "on" }
            case "proxy-http-version":
                guard value == "1.0" || value == "1.1" else {
                    problem = "is neither \"1.0\" nor \"1.1\""
                    return
                }
                u.httpVersion = value
            case "proxy-buffer-size":
                guard let bytes = sizeBytes(value), bytes >= 1024, bytes <= maxBufferBytes else {
                    problem = "is not a size from 1k to 64m (digits with an optional k or m, e.g. 16k)"
                    return
                }
                u.buffers = ProxyBuffers(size: value.lowercased(), count: u.buffers?.count ?? ProxyBuffers().count)
            case "proxy-buffers-number":
                guard let n = wholeNumber(value), buffersNumberRange.contains(n) else {
                    problem = "is not a whole number from 3 to 1024 (nginx needs at least 3 buffers: its busy buffers, "
                        + "two of them, must fit in all but one)"
                    return
                }
                u.buffers = ProxyBuffers(size: u.buffers?.size ?? ProxyBuffers().size, count: n)
            case "proxy-next-upstream":
                guard let tokens = nextUpstream(value) else {
                    problem = "is not a list of nginx's proxy_next_upstream conditions separated by spaces ("
                        + nextUpstreamTokens.sorted().joined(separator: ", ") + ")"
                    return
                }
                u.nextUpstream = tokens
            case "proxy-next-upstream-tries":
                guard let n = wholeNumber(value), n <= 100 else {
                    problem = "is not a whole number from 0 (no limit) to 100"
                    return
                }
                u.nextUpstreamTries = n
            case "proxy-next-upstream-timeout":
                guard let n = wholeNumber(value), n <= 3600 else {
                    problem = "is not a whole number of seconds from 0 (no limit) to 3600"
                    return
                }
                u.nextUpstreamTimeoutSeconds = n
            case "upstream-vhost":
                // Empty: no annotation, as ingress-nginx reads it.
                guard !value.isEmpty else { return }
                guard let host = upstreamHost(value) else {
                    problem = "is not a host name with an optional port (e.g. api.internal or api.internal:8080)"
                    return
                }
                u.host = host
            case "x-forwarded-prefix":
                guard !value.isEmpty else { return }
                if let why = forwardedPrefixProblem(value) {
                    problem = why
                    return
                }
                u.forwardedPrefix = value
            case "backend-protocol":
                // ingress-nginx reads it without case.
                switch value.uppercased() {
                case "HTTP": u.backendProtocol = nil
                case "HTTPS": u.backendProtocol = .https
                case "GRPC": u.backendProtocol = .grpc
                case "GRPCS": u.backendProtocol = .grpcs
                default: problem = "is not one of HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP, FCGI; plain HTTP is used"
                }
            default:  // enable-access-log
                if let logged = parseBool(value) {
                    u.accessLogOff = !logged
                } else {
                    problem = "is not a boolean (true or false); the route is logged"
                }
            }
        }
        return problem
    }

    /// Digits only, at most 9 (Go's Atoi would take a sign; no setting here has a use for one).
    static func wholeNumber(_ value: String) -> Int? {
        guard !value.isEmpty, value.utf8.count <= 9, value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(value)
    }

    /// An nginx size (`ngx_parse_size`: digits, then `k` or `m` in either case) in bytes.
    static func sizeBytes(_ value: String) -> Int? {
        var digits = Substring(value)
        var unit = 1
        if let last = value.last, "kKmM".contains(last) {
            digits = digits.dropLast()
            unit = "kK".contains(last) ? 1024 : 1 << 20
        }
        guard let n = wholeNumber(String(digits)) else { return nil }
        return n * unit
    }

    /// The tokens of `proxy-next-upstream`, each once, `non_idempotent` moved last (as
    /// ingress-nginx's template writes them); `off` anywhere is `off` alone, as nginx reads it.
    static func nextUpstream(_ value: String) -> [String]? {
        let tokens = value.split(separator: " ").map(String.init)
        guard !tokens.isEmpty, tokens.count <= nextUpstreamTokens.count, tokens.allSatisfy(nextUpstreamTokens.contains) else {
            return nil
        }
        if tokens.contains("off") { return ["off"] }
        var seen = Set<String>()
        let unique = tokens.filter { seen.insert($0).inserted }
        return unique.filter { $0 != "non_idempotent" } + (seen.contains("non_idempotent") ? ["non_idempotent"] : [])
    }

    /// A DNS name (an IPv4 address passes as one), lowercase, with an optional port.
    static func upstreamHost(_ value: String) -> String? {
        let lower = value.lowercased()
        var name = Substring(lower)
        if let colon = lower.lastIndex(of: ":") {
            let port = lower[lower.index(after: colon)...]
            guard let n = wholeNumber(String(port)), Validation.isPort(n) else { return nil }
            name = lower[..<colon]
        }
        return Validation.isSubdomain(String(name)) ? lower : nil
    }

    static let forwardedPrefixCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~:")

    /// Why an `x-forwarded-prefix` value is refused, or nil: ingress-nginx's characters (letters,
    /// digits and `/ - . _ ~ :`) but for `$`, at most 1024 bytes.
    static func forwardedPrefixProblem(_ value: String) -> String? {
        if value.contains("$") { return "holds a \"$\" (an nginx variable or capture group), which Portico does not send" }
        guard value.utf8.count <= 1024, value.allSatisfy(forwardedPrefixCharacters.contains) else {
            return "is not a path of letters, digits and / - . _ ~ : (at most 1024 bytes)"
        }
        return nil
    }

    /// The `rewrite-target` annotation's value, or nil when there is none (ingress-nginx sends
    /// `X-Forwarded-Prefix` only with one; which paths it rewrites, Router+Regex decides).
    static func rewriteTarget(_ annotations: Annotations) -> String? {
        guard let (_, value) = lookup("rewrite-target", in: annotations) else { return nil }
        let target = value.trimmingSpaces
        return target.isEmpty ? nil : target
    }
}

extension String {
    /// Without the spaces (only U+0020) at either end.
    var trimmingSpaces: String {
        // Most values have no space at either end: themselves, without a copy.
        guard utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ") else { return self }
        return String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

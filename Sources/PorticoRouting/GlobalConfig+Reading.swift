import PorticoModel

extension GlobalConfig {
    /// The ConfigMap `options.globalConfigMap` names, read from the state: nil without the option;
    /// the built-in defaults, with a diagnostic, when the ConfigMap is not there.
    public static func read(_ state: ClusterState, options: RoutingOptions) -> (config: GlobalConfig?, diagnostics: [Diagnostic]) {
        guard let reference = options.globalConfigMap else { return (nil, []) }
        let matching = state.configMaps.filter { $0.metadata.effectiveNamespace == reference.namespace && $0.metadata.name == reference.name }
        guard !matching.isEmpty else {
            return (GlobalConfig(), [Diagnostic(.configMapNotFound, reference, field: "", "not found; the built-in defaults apply until it exists")])
        }
        let (unique, duplicates) = RoutingRun.unique(matching, kind: "ConfigMap", outcome: "used") { $0.metadata }
        let data = unique.values.first?.data ?? [:]
        var reader = Reader(ref: reference, servesHTTPS: options.servesHTTPS)
        reader.read(data)
        var config = reader.config, diagnostics = duplicates + reader.diagnostics
        // The passed-through HTTPS port's stream server takes no PROXY header from outside and its
        // loopback hop is what HTTPS's real_ip reads: the client's address from elsewhere is not
        // honoured beside it (each request's address stays the one nginx sees).
        if options.sslPassthrough, options.servesHTTPS, config.useProxyProtocol || config.useForwardedHeaders {
            for (key, on) in [("use-proxy-protocol", config.useProxyProtocol), ("use-forwarded-headers", config.useForwardedHeaders)] where on {
                diagnostics.append(
                    Diagnostic(
                        .invalidConfigMapValue, reference, field: Reader.field(key),
                        "\"true\" is not supported with --enable-ssl-passthrough yet; the built-in default (false) applies"))
            }
            config.useProxyProtocol = false
            config.useForwardedHeaders = false
        }
        return (config, diagnostics)
    }

    /// Reads the keys one by one, each validated as ingress-nginx's type and Portico's limits.
    struct Reader {
        let ref: ObjectReference
        let servesHTTPS: Bool
        var config = GlobalConfig()
        var diagnostics: [Diagnostic] = []

        mutating func read(_ data: [String: String]) {
            for key in data.keys.sorted() {
                read(key, data[key] ?? "")
            }
        }

        mutating func invalid(_ key: String, _ value: String, _ why: String) {
            diagnostics.append(
                Diagnostic(.invalidConfigMapValue, ref, field: Self.field(key), "\(quoted(value)) \(why); the built-in default applies"))
        }

        static func field(_ key: String) -> String { "data[\(quoted(key))]" }

        mutating func bool(_ key: String, _ value: String) -> Bool? {
            // ingress-nginx decodes the ConfigMap weakly typed: Go's ParseBool, spaces trimmed.
            if let b = RoutingRun.parseBool(value.trimmingSpaces) { return b }
            invalid(key, value, "is not a boolean (true or false)")
            return nil
        }

        mutating func number(_ key: String, _ value: String, _ range: ClosedRange<Int>, _ what: String = "a whole number") -> Int? {
            if let n = RoutingRun.wholeNumber(value.trimmingSpaces), range.contains(n) { return n }
            invalid(key, value, "is not \(what) from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }

        mutating func read(_ key: String, _ value: String) {
            let (support, why) = GlobalConfig.support(key)
            if support == .refused {
                if key == "allow-snippet-annotations" {
                    guard let allow = bool(key, value), allow else { return }
                    diagnostics.append(
                        Diagnostic(
                            .unsupportedConfigMapKey, ref, field: Self.field(key),
                            "refused: snippet annotations stay refused, Portico never copies configuration text from objects into nginx.conf"))
                } else {
                    diagnostics.append(
                        Diagnostic(
                            .unsupportedConfigMapKey, ref, field: Self.field(key),
                            "refused: snippets are never copied into nginx.conf; ignored"))
                }
                return
            }
            if GlobalConfig.proxyDefaults.contains(key) {
                var scratch = ProxyOptions()
                if let problem = RoutingRun.apply(key, value, to: &scratch) {
                    invalid(key, value, problem)
                } else {
                    config.annotationDefaults[key] = value
                }
                return
            }
            switch key {
            case "custom-http-errors":
                guard let codes = RoutingRun.errorCodes(value) else {
                    invalid(key, value, "is not a comma-separated list of status codes from 400 to 599")
                    return
                }
                if !codes.isEmpty { config.annotationDefaults[key] = codes.map(String.init).joined(separator: ",") }
            case "ssl-redirect":
                if bool(key, value) == false { config.annotationDefaults[key] = "false" }
            case "force-ssl-redirect":
                guard bool(key, value) == true else { return }
                if servesHTTPS {
                    config.annotationDefaults[key] = "true"
                } else {
                    diagnostics.append(
                        Diagnostic(.unsupportedConfigMapKey, ref, field: Self.field(key), "no HTTPS listener (--no-https): plain HTTP is served"))
                }
            case "server-tokens": if let b = bool(key, value) { config.serverTokens = b }
            case "keep-alive": config.keepAliveSeconds = number(key, value, 0...3600, "a whole number of seconds") ?? config.keepAliveSeconds
            case "keep-alive-requests": config.keepAliveRequests = number(key, value, 1...100_000_000) ?? config.keepAliveRequests
            case "limit-req-status-code": config.limitReqStatus = number(key, value, 400...599, "a status") ?? config.limitReqStatus
            case "limit-conn-status-code": config.limitConnStatus = number(key, value, 400...599, "a status") ?? config.limitConnStatus
            case "use-forwarded-headers": if let b = bool(key, value) { config.useForwardedHeaders = b }
            case "compute-full-forwarded-for": if let b = bool(key, value) { config.computeFullForwardedFor = b }
            case "use-proxy-protocol": if let b = bool(key, value) { config.useProxyProtocol = b }
            case "forwarded-for-header":
                let name = value.trimmingSpaces
                guard Self.isHeaderName(name) else {
                    invalid(key, value, "is not a header name (letters, digits, - and _, at most 64)")
                    return
                }
                config.forwardedForHeader = name
            case "proxy-real-ip-cidr":
                switch SourceRange.parseList(value) {
                case .success(let ranges): config.realIPFrom = ranges
                case .failure(let problem):
                    // Fail safe: no address in a header or PROXY header is believed, rather than every one.
                    config.realIPFrom = []
                    diagnostics.append(
                        Diagnostic(
                            .invalidConfigMapValue, ref, field: Self.field(key),
                            "\(quoted(value)) is not a list of IP addresses or CIDR ranges (\(problem.reason)); no client address "
                                + "is taken from a header or PROXY header, each request's is its connection's"))
                }
            case "hsts":
                if let b = bool(key, value) { (config.hsts, config.setsHSTS) = (b, true) }
            case "hsts-include-subdomains":
                if let b = bool(key, value) { (config.hstsIncludeSubdomains, config.setsHSTS) = (b, true) }
            case "hsts-preload":
                if let b = bool(key, value) { (config.hstsPreload, config.setsHSTS) = (b, true) }
            case "hsts-max-age":
                if let n = number(key, value, 0...999_999_999, "a whole number of seconds") { (config.hstsMaxAge, config.setsHSTS) = (n, true) }
            case _ where GlobalConfig.upstreamKeepaliveKeys.contains(key):
                if key == "upstream-keepalive-time" {
                    if !Self.isDuration(value.trimmingSpaces) { invalid(key, value, "is not a duration (digits with an optional ms, s, m, h or d)") }
                } else {
                    _ = number(key, value, 0...100_000_000)
                }
            default:
                diagnostics.append(Diagnostic(.unsupportedConfigMapKey, ref, field: Self.field(key), why))
            }
        }

        static func isHeaderName(_ s: String) -> Bool {
            !s.isEmpty && s.utf8.count <= 64
                && s.utf8.allSatisfy { b in
                    (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
                }
        }

        static func isDuration(_ s: String) -> Bool {
            for unit in ["ms", "s", "m", "h", "d", ""] where s.hasSuffix(unit) {
                if RoutingRun.wholeNumber(String(s.dropLast(unit.count))) != nil { return true }
            }
            return false
        }
    }
}

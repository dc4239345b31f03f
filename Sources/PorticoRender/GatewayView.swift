import PorticoRouting

/// HTTPRoutes in nginx.conf (`GatewayRoutes.swift`): their hosts in the host maps, a
/// `location /KEY/` per host whose nested locations try each path's candidates in the
/// specification's order, and a named location per shape of rule action (its filters, its
/// backend or redirect). Every value reaching the text was validated (`GatewayValues`) and is
/// quoted or hex-escaped here, so none can end a string or start a directive.
struct GatewayView: TemplateContext {
    let hosts: [GatewayHost]
    let actions: [(name: String, action: GatewayAction)]
    let names: [GatewayAction: String]
    /// The split_clients variable of each weighted list of backends.
    let splits: [[GatewayAction.WeightedTarget]: String]
    /// The headers every proxy sends (the http context's), which a named location that sets one
    /// must send again.
    let standardHeaders: [(name: String, value: String)]
    /// The Ingresses' wildcard hosts, whose map lines must be ordered with the routes'.
    let ingressWildcards: [String]

    init?(table: RoutingTable, standardHeaders: [(name: String, value: String)]) {
        guard !table.gatewayHosts.isEmpty else { return nil }
        hosts = table.gatewayHosts
        // One named location per action but for its backends (`GatewayAction.locationKey`), one
        // split_clients per distinct weighted list of backends.
        var names: [GatewayAction: String] = [:], actionNames = DataPlane.Names()
        var splits: [[GatewayAction.WeightedTarget]: String] = [:], splitNames = DataPlane.Names()
        for host in hosts {
            for candidate in host.locations.flatMap(\.candidates) + host.root {
                let targets = candidate.action.targets
                if targets.count > 1, splits[targets] == nil {
                    splits[targets] = splitNames.take("$portico_gw_split_" + FNV1a.hex32(candidate.action.targetsCanonical))
                }
                let key = candidate.action.locationKey
                guard names[key] == nil else { continue }
                names[key] = actionNames.take("@portico_gw_" + FNV1a.hex32(key.canonical))
            }
        }
        self.names = names
        self.splits = splits
        actions = names.map { ($0.value, $0.key) }.sorted { $0.name < $1.name }
        self.standardHeaders = standardHeaders
        ingressWildcards = table.virtualHosts.filter(\.host.isWildcard).map(\.host.name)
    }

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "gateway_exact_hosts":
            return .list(
                hosts.filter { !$0.isWildcard && $0.key != DataPlane.catchAllKey }.map {
                    .context(FieldsView(fields: ["name": $0.key, "value": $0.mapValue]))
                })
        case "gateway_wildcard_hosts":
            return .list(wildcardLines.map { .context(FieldsView(fields: ["regex": $0.regex, "name": $0.value])) })
        case "gateway_hosts":
            // Made as the template reaches each host (and on several threads for long lists).
            let hosts = hosts, names = names, splits = splits
            return .lazyList(TemplateList(count: hosts.count) { .context(HostBlockView(host: hosts[$0], names: names, splits: splits)) })
        case "gateway_actions":
            return .list(actions.map { .context(ActionView(name: $0.name, action: $0.action, standardHeaders: standardHeaders)) })
        case "gateway_splits":
            return .list(splits.sorted { $0.value < $1.value }.map { .context(SplitView(variable: $0.value, targets: $0.key)) })
        case "gateway_add_maps":
            return .list(actions.flatMap { a in Self.addMaps(a.name, a.action).map { TemplateValue.context(FieldsView(fields: $0)) } })
        default: return nil
        }
    }

    /// The wildcard hosts as `$portico_exact_host` regexes, the longest suffix first (the most
    /// specific wins): the routes' (one label or more) and, when there are any, the Ingresses'
    /// (exactly one label), which the regexes would otherwise take before the parent-host map.
    var wildcardLines: [(regex: String, value: String)] {
        let routes = hosts.filter(\.isWildcard)
        guard !routes.isEmpty else { return [] }
        return DataPlane.wildcardRegexLines(routes.map { ($0.key, $0.mapValue, true) } + ingressWildcards.map { ($0, $0, false) })
    }

    /// `$http_x_name`.
    static func headerVariable(_ name: String) -> String {
        "$http_" + String(name.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// A validated header value as a quoted nginx string that means exactly it: `$` through a
    /// variable holding one (nginx has no escape for it in strings).
    static func literal(_ value: String) -> String {
        DataPlane.quoted(dollarsEscaped(value))
    }

    static func dollarsEscaped(_ value: String) -> String {
        guard value.contains("$") else { return value }
        return value.split(separator: "$", omittingEmptySubsequences: false).joined(separator: "${portico_dollar}")
    }

    /// A literal for a PCRE regex: letters and digits as they are, every other byte `\xHH`.
    static func hexEscaped(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            if Validation.isAlnum(b) { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "\\x" + hex(b) }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }

    /// `RequestHeaderModifier` `add`: the header's value with the rule's appended, or the rule's
    /// alone when the client sent none (the rule's value is the candidate's, in its variable).
    static func addMaps(_ name: String, _ action: GatewayAction) -> [[String: String]] {
        let first = action.valueSlots.requestAppend
        return action.requestHeaders.append.enumerated().map { i, header in
            let source = headerVariable(header.name), value = valueVariable(first + i)
            return ["source": source, "variable": addVariable(name, i), "value": value, "joined": DataPlane.quoted(source + "," + value)]
        }
    }

    /// The variable that holds a candidate's `i`th value (`GatewayAction.values`) for its action.
    static func valueVariable(_ i: Int) -> String { "$portico_gw_v\(i)" }

    static func addVariable(_ action: String, _ i: Int) -> String {
        "$" + action.dropFirst() + "_add_\(i)"
    }

    /// What a candidate sets `$portico_upstream` to: the address, the split's variable, or ""
    /// (its action answers 500).
    static func upstream(_ action: GatewayAction, splits: [[GatewayAction.WeightedTarget]: String]) -> String {
        switch action.targets.count {
        case 0: return "\"\""
        case 1:
            if case .upstream(let u) = action.targets[0].target { return DataPlane.quoted(u.address) }
            return "\"\""
        default: return splits[action.targets] ?? "\"\""
        }
    }
}


extension GatewayHost {
    /// What the host maps give its requests: the key, or `$scheme:KEY` for a host of one scheme
    /// (`scheme`), so that requests of the other scheme come to `/https:KEY/`, which no location
    /// takes (the server's `location /` answers 404), instead of testing the scheme route by route.
    public var mapValue: String { scheme.map { _ in "$scheme:" + key } ?? key }

    /// The host's location is `/LOCATIONKEY/`: the key, or `SCHEME:KEY` for a host of one scheme.
    public var locationKey: String { scheme.map { $0 + ":" + key } ?? key }
}

extension RoutingTable {
    /// Whether HTTPRoutes for every hostname take the catch-all's requests (its Ingresses have no
    /// rules without a host, or the routes would not have it).
    var servesGatewayCatchAll: Bool { gatewayHosts.contains { $0.key == DataPlane.catchAllKey } }
}

/// One host's `location /KEY/`.
private struct HostBlockView: TemplateContext {
    let host: GatewayHost
    let names: [GatewayAction: String]
    let splits: [[GatewayAction.WeightedTarget]: String]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "key": return .string(host.locationKey)
        case "prefix": return .string(DataPlane.quoted("/\(host.locationKey)/"))
        case "comment":
            let routes = Set(host.locations.flatMap(\.candidates).map(\.route) + host.root.map(\.route)).sorted().map(\.description)
            let name = host.key == DataPlane.catchAllKey ? "every other hostname" : host.key
            let only = host.scheme.map { " (\($0.uppercased()) only)" } ?? ""
            return .string("HTTPRoutes for \(name)\(only): " + routes.joined(separator: ", "))
        case "locations":
            return .list(
                host.locations.map { l in
                    let location: String
                    switch l.kind {
                    case .exact: location = "= " + DataPlane.quoted("/\(host.locationKey)\(l.path)")
                    case .prefix: location = "~ " + DataPlane.quoted("^/" + DataPlane.regex(host.locationKey + l.path) + "(?:/|$)")
                    case .regex: location = "~ " + DataPlane.quoted("^/" + DataPlane.regex(host.locationKey) + "(?:" + l.path + ")$")
                    }
                    return .context(CandidatesView(location: location, candidates: l.candidates, names: names, splits: splits))
                })
        case "root": return .context(CandidatesView(location: "", candidates: host.root, names: names, splits: splits))
        default: return nil
        }
    }
}

/// A location's candidates, up to the first that takes every request.
private struct CandidatesView: TemplateContext {
    let location: String
    let candidates: [GatewayCandidate]
    let names: [GatewayAction: String]
    let splits: [[GatewayAction.WeightedTarget]: String]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "location": return .string(location)
        case "candidates":
            var shown: [GatewayCandidate] = []
            for c in candidates {
                shown.append(c)
                if c.isUnconditional { break }
            }
            return .list(shown.map { .context(CandidateView(candidate: $0, action: names[$0.action.locationKey]!, splits: splits)) })
        case "unmatched": return .bool(!candidates.contains(where: \.isUnconditional))
        default: return nil
        }
    }
}

private struct CandidateView: TemplateContext {
    let candidate: GatewayCandidate
    let action: String
    let splits: [[GatewayAction.WeightedTarget]: String]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "comment":
            var parts = [candidate.path]
            if let s = candidate.scheme { parts.append(s.uppercased() + " only") }
            if let m = candidate.method { parts.append(m) }
            if !candidate.headers.isEmpty { parts.append("headers " + candidate.headers.map(\.name).joined(separator: ", ")) }
            if !candidate.queryParams.isEmpty { parts.append("query " + candidate.queryParams.map(\.name).joined(separator: ", ")) }
            return .string("\(candidate.route) \(candidate.field): " + parts.joined(separator: ", "))
        case "conditional": return .bool(!candidate.isUnconditional)
        // One condition: `if (TEST)` takes the request itself; more: each test rules it out, and
        // `if ($portico_gw_match)` takes what none did.
        case "single": return .bool(candidate.conditionCount == 1)
        case "condition":
            let tests = tests
            return .string(tests.count == 1 ? tests[0].holds : "$portico_gw_match")
        case "tests": return .list(tests.map { .string($0.fails) })
        case "upstream": return .string(GatewayView.upstream(candidate.action, splits: splits))
        case "sets":
            return .list(
                candidate.action.values.enumerated().map {
                    .context(FieldsView(fields: ["variable": GatewayView.valueVariable($0.offset), "value": GatewayView.literal($0.element)]))
                })
        case "action": return .string(action)
        default: return nil
        }
    }

    /// One condition of the match as an `if` test: `fails` is true when the request fails it,
    /// `holds` when it meets it.
    struct Test {
        let variable: String
        /// `=` (equal) or `~` (matches the regex).
        let op: String
        let operand: String
        var fails: String { "\(variable) !\(op) \(operand)" }
        var holds: String { "\(variable) \(op) \(operand)" }
    }

    var tests: [Test] {
        var out: [Test] = []
        if let s = candidate.scheme { out.append(Test(variable: "$scheme", op: "=", operand: s)) }
        if let m = candidate.method { out.append(Test(variable: "$request_method", op: "=", operand: m)) }
        for h in candidate.headers {
            let regex = h.isRegex ? h.value : "^" + GatewayView.hexEscaped(h.value) + "$"
            // A space after the quote: what nginx's reader (and the checker's) take before `)`.
            out.append(Test(variable: GatewayView.headerVariable(h.name), op: "~", operand: DataPlane.quoted(regex) + " "))
        }
        for q in candidate.queryParams {
            let value = q.isRegex ? "(?:\(q.value))" : GatewayView.hexEscaped(q.value)
            out.append(Test(variable: "$args", op: "~", operand: DataPlane.quoted("(?:^|&)" + GatewayView.hexEscaped(q.name) + "=" + value + "(?:&|$)") + " "))
        }
        return out
    }
}

/// `split_clients` for a rule's weighted backends: shares to two decimals, the last takes the rest.
private struct SplitView: TemplateContext {
    let variable: String
    let targets: [GatewayAction.WeightedTarget]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "variable": return .string(variable)
        case "comment": return .string("weighted backends: " + targets.map { "\(describe($0.target)) weight \($0.weight)" }.joined(separator: ", "))
        case "shares":
            let total = targets.reduce(0) { $0 + $1.weight }
            return .list(
                targets.enumerated().map { i, t in
                    let share: String
                    if i == targets.count - 1 {
                        share = "*"
                    } else {
                        let hundredths = t.weight * 10000 / total
                        share = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)%"
                    }
                    return .context(FieldsView(fields: ["share": share, "value": value(t.target)]))
                })
        default: return nil
        }
    }

    func describe(_ t: GatewayAction.Target) -> String {
        if case .upstream(let u) = t { return u.address }
        return "an invalid backend (500)"
    }

    func value(_ t: GatewayAction.Target) -> String {
        if case .upstream(let u) = t { return DataPlane.quoted(u.address) }
        return "\"\""
    }
}

/// A rule's named location: a redirect, or its filters and the proxy to its backend.
private struct ActionView: TemplateContext {
    let name: String
    let action: GatewayAction
    let standardHeaders: [(name: String, value: String)]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": return .string(name)
        case "failure":
            return .bool(action.redirect == nil && (action.targets.isEmpty || action.targets.contains { $0.target == .failure }))
        case "redirect": return action.redirect.map { .context(RedirectView(redirect: $0)) } ?? .bool(false)
        case "request_headers": return .list(requestHeaders.map { .context(FieldsView(fields: ["name": $0.name, "value": $0.value])) })
        case "hide_headers":
            let hidden = action.responseHeaders.replace.map(\.name) + action.responseHeaders.remove
            return .list(hidden.map(TemplateValue.string))
        case "add_headers":
            let added = action.responseHeaders.replace + action.responseHeaders.append
            let first = action.valueSlots.response
            return .list(
                added.enumerated().map {
                    .context(FieldsView(fields: ["name": $0.element.name, "value": GatewayView.valueVariable(first + $0.offset)]))
                })
        case "rewrites": return .list(rewrites.map(TemplateValue.string))
        case "rewritten": return .bool(action.rewritePath != nil)
        default: return nil
        }
    }

    /// The http context's headers (but the ones the rule sets or removes), then the rule's (their
    /// values in the candidate's variables).
    var requestHeaders: [(name: String, value: String)] {
        let edits = action.requestHeaders
        let slots = action.valueSlots
        var own: [(name: String, value: String)] = []
        if let host = slots.host { own.append(("Host", GatewayView.valueVariable(host))) }
        for (i, h) in edits.replace.enumerated() { own.append((h.name, GatewayView.valueVariable(slots.requestReplace + i))) }
        for (i, h) in edits.append.enumerated() { own.append((h.name, GatewayView.addVariable(name, i))) }
        for h in edits.remove { own.append((h, "\"\"")) }
        let named = Set(own.map { $0.name.lowercased() })
        return standardHeaders.filter { !named.contains($0.name.lowercased()) } + own
    }

    /// `rewrite` arguments for `URLRewrite`'s path: the first that matches applies.
    var rewrites: [String] {
        switch action.rewritePath {
        case nil: return []
        case .full(let path)?: return ["^ \(DataPlane.quoted(path))"]
        case .prefix(let matched, let replacement)?:
            let change = PathChangeText(matched: matched, replacement: replacement)
            return ["\(change.regex) \(change.value)", "^ \(change.fallback)"]
        }
    }
}

/// `ReplacePrefixMatch` over `/KEY/PATH`: the rest after the matched prefix, behind the
/// replacement (without its trailing `/`, so that `/` never makes `//`).
private struct PathChangeText {
    let regex: String
    let value: String
    let fallback: String

    init(matched: String, replacement: String) {
        let head = replacement == "/" ? "" : GatewayRouter.normalisedPrefix(replacement)
        let prefix = matched == "/" ? "" : DataPlane.regex(matched)
        regex = DataPlane.quoted("^/[^/]+" + prefix + (matched == "/" ? "(/.+)$" : "(/.*)$"))
        value = DataPlane.quoted(head + "$1")
        fallback = DataPlane.quoted(replacement)
    }
}

private struct RedirectView: TemplateContext {
    let redirect: GatewayAction.Redirect

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "status": return .string("\(redirect.status)")
        case "location": return .string(DataPlane.quoted(scheme + "://" + (redirect.hostname ?? "$host") + port + path))
        case "port_by_scheme":
            guard let ports = portsByScheme else { return .bool(false) }
            return .context(FieldsView(fields: ["http": DataPlane.quoted(ports.http), "https": DataPlane.quoted(ports.https)]))
        case "path_rest":
            guard case .prefix(let matched, let replacement)? = redirect.path else { return .bool(false) }
            let change = PathChangeText(matched: matched, replacement: replacement)
            return .context(FieldsView(fields: ["regex": change.regex, "value": change.value, "default": change.fallback]))
        default: return nil
        }
    }

    var scheme: String { redirect.scheme ?? "$scheme" }

    /// The port part for each scheme when it depends on the request's; nil when it does not.
    var portsByScheme: (http: String, https: String)? {
        guard redirect.scheme == nil else { return nil }
        let http = redirect.port ?? redirect.httpPort, https = redirect.port ?? redirect.httpsPort
        let ports = (http == 80 ? "" : ":\(http)", https == 443 ? "" : ":\(https)")
        return ports.0 == ports.1 ? nil : ports
    }

    var port: String {
        if let ports = portsByScheme { _ = ports; return "$portico_gw_port" }
        if let scheme = redirect.scheme {
            guard let port = redirect.port else { return "" }
            return port == (scheme == "https" ? 443 : 80) ? "" : ":\(port)"
        }
        let http = redirect.port ?? redirect.httpPort
        return http == 80 ? "" : ":\(http)"
    }

    var path: String {
        switch redirect.path {
        case nil: return "$request_uri"
        case .full(let p)?: return p + "$is_args$args"
        case .prefix?: return "$portico_gw_path$is_args$args"
        }
    }
}

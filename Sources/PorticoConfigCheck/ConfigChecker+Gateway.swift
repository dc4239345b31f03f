import Foundation
import PorticoPCRE
import PorticoRender
import PorticoRouting

/// HTTPRoutes (`GatewayView`): the checker reads each route host's `location "/KEY/"` back into
/// locations and ranked candidates and each `@portico_gw_` named location back into its action,
/// and compares them with the table's `gatewayHosts`; every line must have one of the shapes
/// below, and every value read back must be the table's (header values decoded from their `\xHH`
/// escapes, strings from their quotes), so that nothing a route said can be a directive.
extension CheckRun {
    static let gatewayAction = Allowlist.pattern(#"^@portico_gw_[0-9a-f]{8}(_\d{1,6})?$"#)
    static let gatewaySplit = Allowlist.pattern(#"^split_clients \$request_id \$portico_gw_split_[0-9a-f]{8}(_\d{1,6})?$"#)
    static let gatewayAddMap = Allowlist.pattern(#"^map \$http_[a-z0-9_]{1,256} \$portico_gw_[0-9a-f]{8}(_\d{1,6})?_add_\d{1,4}$"#)
    static let gatewayDollar = "geo $portico_dollar"
    /// A variable a candidate sets to one of its action's values (`GatewayAction.values`).
    static let gatewayValue = Allowlist.pattern(#"^\$portico_gw_v\d{1,4}$"#)

    static var gatewayHTTPBlocks: [PCRE] { [gatewaySplit, gatewayAddMap, Allowlist.pattern(#"^geo \$portico_dollar$"#)] }

    /// The actions by the name their locations have, learnt from the host blocks (which name them).
    struct GatewayNames {
        var byName: [String: GatewayAction] = [:]
        var byAction: [GatewayAction: String] = [:]
        /// Each split_clients variable the candidates name, and the backends it must split.
        var splits: [String: [GatewayAction.WeightedTarget]] = [:]
    }

    /// By the key of their location (`GatewayHost.locationKey`).
    static func gatewayHostsByKey(_ prediction: ConfigPrediction) -> [String: GatewayHost] {
        Dictionary(prediction.gatewayHosts.map { ($0.locationKey, $0) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: http

    mutating func checkGatewayHTTP(_ http: ConfigDirective) {
        let geos = http.children.filter { $0.description == Self.gatewayDollar }
        if geos.count != (prediction.gatewayHosts.isEmpty ? 0 : 1) { fail(http, "\(geos.count) geo $portico_dollar, expected one with HTTPRoutes") }
        for geo in geos where geo.children.map(\.description) != ["default \"$\""] { fail(geo, "geo $portico_dollar must only be default \"$\"") }
        for split in http.children where split.name == "split_clients" {
            guard Self.gatewaySplit.matches(split.description) else { continue }  // a canary's
            gatewaySplits[args(split)[1]] = split
        }
        for map in http.children where map.name == "map" && Self.gatewayAddMap.matches(map.description) {
            let a = args(map)
            let entries = map.children
            guard entries.count == 2, entries[0].nameQuoted, entries[0].name == "", entries[0].arguments.count == 1, !entries[0].arguments[0].quoted,
                Self.gatewayValue.matches(entries[0].arguments[0].value),
                entries[1].name == "default", entries[1].arguments.count == 1, entries[1].arguments[0].quoted,
                entries[1].arguments[0].value == a[0] + "," + entries[0].arguments[0].value
            else {
                fail(map, "map \(a.joined(separator: " ")) is not \"\" $portico_gw_vN and default \"$http_NAME,$portico_gw_vN\"")
                continue
            }
            gatewayAddMaps[a[1]] = (source: a[0], value: entries[0].arguments[0].value)
        }
    }

    /// The exact-host map's lines for route hosts: `"~REGEX" *.SUFFIX` for wildcards, the routes'
    /// (one label or more) and the Ingresses' (one label), the longest suffix first.
    mutating func gatewayWildcardLines(_ map: ConfigDirective) -> [ConfigDirective] {
        let routeWildcards = prediction.gatewayHosts.filter(\.isWildcard)
        var expected: [String] = []
        if !routeWildcards.isEmpty {
            let keys = Set(routeWildcards.map(\.key))
            let ingresses = prediction.wildcardHosts.values.filter { !keys.contains($0) }
            expected = Self.wildcardLines(routeWildcards.map { ($0.key, $0.mapValue, true) } + ingresses.map { ($0, $0, false) })
        }
        let lines = map.children.filter { $0.nameQuoted && $0.name.hasPrefix("~") }
        let found = lines.map { "\($0.name) \(args($0).first ?? "")" }
        if found != expected { fail(map, "route wildcard hosts \(found), expected \(expected)") }
        return lines
    }

    /// Wildcard names as a map of exact names must hold them: `REGEX VALUE` each, the longest
    /// suffix first; a Gateway API wildcard takes one label or more, an Ingress's exactly one.
    static func wildcardLines(_ wildcards: [(name: String, value: String, manyLabels: Bool)]) -> [String] {
        wildcards.sorted { ($0.name.utf8.count, $1.name) > ($1.name.utf8.count, $0.name) }.map { w in
            "~^" + (w.manyLabels ? ".+" : "[^.]+") + "\\." + escaped(String(w.name.dropFirst(2))) + "$ " + w.value
        }
    }

    // MARK: server

    /// A route host's `location "/KEY/"` (`key`: its `locationKey`): its nested locations and its root candidates.
    mutating func checkGatewayHost(_ location: ConfigDirective, key: String, names: inout GatewayNames) {
        guard let host = gatewayHostsByKey[key] else {
            fail(location, "location \"/\(key)/\" is for no HTTPRoute host of the table")
            return
        }
        func id(_ l: GatewayLocation) -> String {
            switch l.kind {
            case .exact: return "= /\(key)\(l.path)"
            case .prefix: return "~ ^/" + Self.escaped(key + l.path) + "(?:/|$)"
            case .regex: return "~ ^/" + Self.escaped(key) + "(?:" + l.path + ")$"
            }
        }
        var expected: [String: GatewayLocation] = [:]
        for l in host.locations { expected[id(l)] = l }
        let order = host.locations.filter { $0.kind != .exact }.map(id)
        let regexesWritten = location.children.filter { $0.name == "location" && args($0).first == "~" }.map { args($0).joined(separator: " ") }
        if regexesWritten != order { fail(location, "HTTPRoute regexes for \(key) in the order \(regexesWritten), expected \(order)") }
        var seen = Set<String>()
        var root: [ConfigDirective] = []
        for child in location.children {
            guard child.name == "location", child.block != nil else {
                root.append(child)
                continue
            }
            let a = args(child)
            let id = a.joined(separator: " ")
            guard let l = expected[id], child.arguments.last?.quoted == true, a.count == 2 else {
                fail(child, "location \(ConfigTree.quote(id)) is no location of the HTTPRoutes for \(key)")
                continue
            }
            if !seen.insert(id).inserted { fail(child, "location \(id) twice") }
            checkCandidates(child.children, l.candidates, at: child, names: &names)
        }
        let missing = Set(expected.keys).subtracting(seen)
        if !missing.isEmpty { fail(location, "HTTPRoute locations missing for \(key): \(missing.sorted())") }
        checkCandidates(root, host.root, at: location, names: &names)
    }

    static let matchStart = "set $portico_gw_match 1"
    static let schemeTest = Allowlist.pattern(#"^if \(\$scheme != https?\)$"#)
    static let methodTest = Allowlist.pattern(#"^if \(\$request_method != (GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH)\)$"#)
    static let headerTest = Allowlist.pattern(#"^if \(\$http_[a-z0-9_]{1,256} !~ "[^"\n]*" \)$"#)
    static let queryTest = Allowlist.pattern(#"^if \(\$args !~ "[^"\n]*" \)$"#)

    /// The candidates of a location as written, one after another, against the table's (up to its
    /// first that takes every request), then `return 404` unless one takes every request.
    mutating func checkCandidates(_ lines: [ConfigDirective], _ candidates: [GatewayCandidate], at location: ConfigDirective, names: inout GatewayNames) {
        var i = 0
        var shown: [GatewayCandidate] = []
        for c in candidates {
            shown.append(c)
            if c.isUnconditional { break }
        }
        func take(_ text: String) -> Bool {
            guard i < lines.count, lines[i].block == nil, lines[i].description == text else { return false }
            i += 1
            return true
        }
        for c in shown {
            let here = i < lines.count ? lines[i] : location
            let count = c.action.values.count + 3
            if c.isUnconditional {
                guard i + count <= lines.count, lines[i..<(i + count)].allSatisfy({ $0.block == nil }) else {
                    fail(here, "\(c.route) \(c.field): expected its sets, error_page and return 418")
                    return
                }
                checkDispatch(Array(lines[i..<(i + count)]), c, names: &names)
                i += count
                continue
            }
            // One condition: `if (TEST)` around the dispatch, TEST the condition that holds.
            if c.conditionCount == 1 {
                guard i < lines.count, lines[i].name == "if", lines[i].children.count == count else {
                    fail(here, "\(c.route) \(c.field): expected if (ITS CONDITION) with its sets, error_page and return 418")
                    return
                }
                checkTests([lines[i]], c, holding: true)
                checkDispatch(lines[i].children, c, names: &names)
                i += 1
                continue
            }
            guard take(Self.matchStart) else {
                fail(here, "\(c.route) \(c.field): expected \(Self.matchStart)")
                return
            }
            var tests: [ConfigDirective] = []
            while i < lines.count, lines[i].name == "if", lines[i].description != "if ($portico_gw_match)" {
                tests.append(lines[i])
                i += 1
            }
            checkTests(tests, c)
            guard i < lines.count, lines[i].description == "if ($portico_gw_match)", lines[i].children.count == count else {
                fail(here, "\(c.route) \(c.field): expected if ($portico_gw_match) with its sets, error_page and return 418")
                return
            }
            checkDispatch(lines[i].children, c, names: &names)
            i += 1
        }
        if shown.last?.isUnconditional != true, !take("return 404") { fail(i < lines.count ? lines[i] : location, "expected return 404 after the candidates") }
        if i < lines.count { fail(lines[i], "unexpected \(ConfigTree.quote(lines[i].description)) after the candidates") }
    }

    /// `set $portico_gw_vN "VALUE";` for each of the action's values, then `set $portico_upstream U;
    /// error_page 418 = @portico_gw_X; return 418;` for the candidate's action.
    mutating func checkDispatch(_ all: [ConfigDirective], _ c: GatewayCandidate, names: inout GatewayNames) {
        let values = c.action.values
        for (i, (line, value)) in zip(all, values).enumerated() {
            let a = args(line)
            guard line.name == "set", a.count == 2, a[0] == "$portico_gw_v\(i)", line.arguments[1].quoted, a[1] == Self.dollars(value) else {
                fail(line, "\(c.route) \(c.field): not set $portico_gw_v\(i) to its value \(ConfigTree.quote(value))")
                return
            }
        }
        let lines = Array(all.dropFirst(values.count))
        guard lines.count == 3, lines[2].description == "return 418", lines[1].name == "error_page", args(lines[1]).count == 3,
            args(lines[1])[0] == "418", args(lines[1])[1] == "=", Self.gatewayAction.matches(args(lines[1])[2]),
            lines[0].name == "set", args(lines[0]).count == 2, args(lines[0])[0] == "$portico_upstream"
        else {
            fail(lines.first, "\(c.route) \(c.field): not set $portico_upstream, error_page 418 = @portico_gw_..., return 418")
            return
        }
        let name = args(lines[1])[2]
        // Actions that differ only by backends share a named location: the candidate sets the backend.
        let key = c.action.locationKey
        if let known = names.byName[name], known != key { fail(lines[1], "\(name) is two different actions") }
        if let known = names.byAction[key], known != name { fail(lines[1], "one action named \(known) and \(name)") }
        names.byName[name] = key
        names.byAction[key] = name
        let upstream = lines[0].arguments[1]
        switch c.action.targets.count {
        case 0, 1:
            var expected = "\"\""
            if let t = c.action.targets.first, case .upstream(let u) = t.target { expected = "\"\(u.address)\"" }
            if upstream.description != expected { fail(lines[0], "\(c.route) \(c.field): upstream \(upstream.description), expected \(expected)") }
        default:
            // A weighted split: the variable of a split_clients that gives exactly these shares.
            let variable = upstream.description
            if let known = names.splits[variable] {
                if known != c.action.targets { fail(lines[0], "\(variable) is two different splits") }
            } else {
                names.splits[variable] = c.action.targets
                checkSplit(variable, c.action.targets, at: lines[0])
            }
        }
    }

    /// Each test, read back against the candidate's conditions in order: the method, each
    /// header's variable and value (an exact one decoded from its escapes), each query parameter.
    /// `holding`: the one test of a candidate of one condition, true when the request meets it
    /// (`=` and `~`), read as the test that it fails.
    mutating func checkTests(_ tests: [ConfigDirective], _ c: GatewayCandidate, holding: Bool = false) {
        var method: String?, scheme: String?
        var headers: [(name: String, regex: String)] = [], query: [String] = []
        for t in tests {
            var text = t.description
            var a = args(t)
            if holding {
                guard a.count >= 3, a[1] == "=" || a[1] == "~", let at = text.range(of: " \(a[1]) ") else {
                    fail(t, "\(ConfigTree.quote(text)) is not a test with = or ~")
                    continue
                }
                text.replaceSubrange(at, with: " !\(a[1]) ")
                a[1] = "!" + a[1]
            } else if t.children.map(\.description) != ["set $portico_gw_match 0"] {
                fail(t, "a match test must only set $portico_gw_match 0")
                continue
            }
            if Self.schemeTest.matches(text), scheme == nil, method == nil, headers.isEmpty, query.isEmpty {
                scheme = String(a[2].dropLast())
            } else if Self.methodTest.matches(text) {
                method = String(a[2].dropLast())
            } else if Self.headerTest.matches(text), a.count == 4 {
                headers.append((String(a[0].dropFirst("($http_".count)), a[2]))
            } else if Self.queryTest.matches(text), a.count == 4 {
                query.append(a[2])
            } else {
                fail(t, "match test \(ConfigTree.quote(text)) is not one of the method, header and query shapes")
            }
        }
        var ok = scheme == c.scheme && method == c.method && headers.count == c.headers.count && query.count == c.queryParams.count
        for (found, wanted) in zip(headers, c.headers) where ok {
            ok = found.name == wanted.name.replacingOccurrences(of: "-", with: "_")
                && (wanted.isRegex ? found.regex == wanted.value : Self.hexDecoded(found.regex, prefix: "^", suffix: "$") == wanted.value)
        }
        for (found, wanted) in zip(query, c.queryParams) where ok {
            guard let body = found.strippingAffixes("(?:^|&)", "(?:&|$)"), let eq = body.firstIndex(of: "=") else {
                ok = false
                break
            }
            let value = String(body[body.index(after: eq)...])
            ok = Self.hexDecoded(String(body[..<eq]), prefix: "", suffix: "") == wanted.name
                && (wanted.isRegex ? value == "(?:\(wanted.value))" : Self.hexDecoded(value, prefix: "", suffix: "") == wanted.value)
        }
        if !ok { fail(tests.first, "\(c.route) \(c.field): its tests are not its scheme, method, headers and query parameters") }
    }

    /// The literal a regex of letters, digits and `\xHH` escapes (between the affixes) stands for;
    /// nil for any other regex.
    static func hexDecoded(_ regex: String, prefix: String, suffix: String) -> String? {
        guard let body = regex.strippingAffixes(prefix, suffix) else { return nil }
        var bytes: [UInt8] = []
        var u = Array(body.utf8)[...]
        while let b = u.first {
            if Validation.isAlnum(b) {
                bytes.append(b)
                u = u.dropFirst()
                continue
            }
            guard b == UInt8(ascii: "\\"), u.count >= 4, u[u.startIndex + 1] == UInt8(ascii: "x"),
                let v = UInt8(String(decoding: u[(u.startIndex + 2)...(u.startIndex + 3)], as: UTF8.self), radix: 16), !Validation.isAlnum(v)
            else { return nil }
            bytes.append(v)
            u = u.dropFirst(4)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: named locations

    static let gatewayHeaderName = Allowlist.pattern(#"^[A-Za-z0-9-]{1,256}$"#)

    /// A rule's named location against the action its candidates named it for.
    mutating func checkGatewayAction(_ location: ConfigDirective, _ action: GatewayAction?) {
        let name = args(location)[0]
        guard let action else {
            fail(location, "\(name): no candidate hands requests to it")
            return
        }
        var lines = location.children[...]
        let failure = action.redirect == nil && (action.targets.isEmpty || action.targets.contains { $0.target == .failure })
        if failure {
            guard let first = lines.first, first.description == "if ($portico_upstream = \"\" )", first.children.map(\.description) == ["return 500"] else {
                fail(location, "\(name): a backend that cannot be served must answer 500 first")
                return
            }
            lines = lines.dropFirst()
        }
        if let redirect = action.redirect {
            checkRedirect(Array(lines), redirect, at: location)
            return
        }
        var set: [(String, String)] = [], hidden: [String] = [], added: [(String, String)] = [], rewrites: [[String]] = [], passes: [String] = []
        for line in lines {
            let a = args(line)
            switch line.name {
            case "proxy_set_header" where a.count == 2 && Self.gatewayHeaderName.matches(a[0]): set.append((a[0], line.arguments[1].description))
            case "proxy_hide_header" where a.count == 1 && Self.gatewayHeaderName.matches(a[0]): hidden.append(a[0])
            case "add_header" where a.count == 3 && Self.gatewayHeaderName.matches(a[0]) && !line.arguments[1].quoted && a[2] == "always":
                added.append((a[0], a[1]))
            case "rewrite" where a.count == 3 && a[2] == "break" && line.arguments[1].quoted: rewrites.append(a)
            case "proxy_pass" where a.count == 1: passes.append(a[0])
            default: fail(line, "\(ConfigTree.quote(line.description)) is not allowed in an HTTPRoute's named location")
            }
        }
        // The request headers: the http context's (but those the rule names), then the rule's.
        // Their values are the candidates' (`checkDispatch`), in `GatewayAction.values`' variables.
        let slots = action.valueSlots
        func value(_ slot: Int) -> String { "$portico_gw_v\(slot)" }
        var own: [(String, String)] = []
        if let host = slots.host { own.append(("Host", value(host))) }
        for (i, h) in action.requestHeaders.replace.enumerated() { own.append((h.name, value(slots.requestReplace + i))) }
        for (i, h) in action.requestHeaders.append.enumerated() {
            let variable = "$" + name.dropFirst() + "_add_\(i)"
            own.append((h.name, variable))
            let expected = value(slots.requestAppend + i)
            if let map = gatewayAddMaps[variable] {
                if map.source != "$http_" + h.name.lowercased().replacingOccurrences(of: "-", with: "_") || map.value != expected {
                    fail(location, "\(variable): map reads \(map.source) with \(map.value)")
                }
            } else {
                fail(location, "\(name): no map \(variable)")
            }
        }
        for h in action.requestHeaders.remove { own.append((h, "\"\"")) }
        let named = Set(own.map { $0.0.lowercased() })
        let http = [("Host", "$portico_host")] + prediction.global.forwardedHeaders.map { ($0.key, $0.value) }
        let expectedSet = (http.filter { !named.contains($0.0.lowercased()) } + own).map { "\($0.0) \($0.1)" }.sorted()
        let sent = set.map { "\($0.0) \($0.1)" }
        if sent.sorted() != expectedSet || Set(set.map { $0.0.lowercased() }).count != set.count {
            fail(location, "\(name): request headers \(sent), expected \(expectedSet)")
        }
        let response = action.responseHeaders
        if hidden != response.replace.map(\.name) + response.remove { fail(location, "\(name): hidden headers \(hidden)") }
        let expectedAdded = (response.replace + response.append).enumerated().map { ($0.element.name, value(slots.response + $0.offset)) }
        if added.map({ "\($0.0) \($0.1)" }) != expectedAdded.map({ "\($0.0) \($0.1)" }) { fail(location, "\(name): added headers \(added)") }
        switch action.rewritePath {
        case nil:
            if !rewrites.isEmpty || passes != ["http://$portico_upstream$request_uri"] { fail(location, "\(name): must proxy the request URI as sent") }
        case .full(let path)?:
            if rewrites != [["^", path, "break"]] || passes != ["http://$portico_upstream"] { fail(location, "\(name): must rewrite the path to \(path)") }
        case .prefix(let matched, let replacement)?:
            let head = replacement == "/" ? "" : GatewayRouter.normalisedPrefix(replacement)
            let regex = "^/[^/]+" + (matched == "/" ? "" : Self.escaped(matched)) + (matched == "/" ? "(/.+)$" : "(/.*)$")
            if rewrites != [[regex, head + "$1", "break"], ["^", replacement, "break"]] || passes != ["http://$portico_upstream"] {
                fail(location, "\(name): must replace the prefix \(matched) with \(replacement): \(rewrites)")
            }
        }
    }

    /// `split_clients $request_id $portico_gw_split_...`: each backend's share to two decimals, the last `*`.
    mutating func checkSplit(_ variable: String, _ targets: [GatewayAction.WeightedTarget], at location: ConfigDirective) {
        guard let split = gatewaySplits[variable] else {
            fail(location, "no split_clients \(variable)")
            return
        }
        let total = targets.reduce(0) { $0 + $1.weight }
        var expected: [String] = []
        for (i, t) in targets.enumerated() {
            var address = ""
            if case .upstream(let u) = t.target { address = u.address }
            let hundredths = t.weight * 10000 / total
            let share = i == targets.count - 1 ? "*" : "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)%"
            expected.append("\(share) \"\(address)\"")
        }
        if split.children.map(\.description) != expected || split.children.contains(where: { $0.block != nil }) {
            fail(split, "split_clients \(variable) is not \(expected)")
        }
    }

    /// `return STATUS "URL"`, with the port and path variables it needs set first.
    mutating func checkRedirect(_ lines: [ConfigDirective], _ r: GatewayAction.Redirect, at location: ConfigDirective) {
        guard let last = lines.last, last.name == "return", args(last).count == 2, args(last)[0] == "\(r.status)", last.arguments[1].quoted else {
            fail(location, "a redirect must end with return \(r.status) \"URL\"")
            return
        }
        for line in lines.dropLast() {
            let text = line.description
            let ok =
                Allowlist.pattern(#"^set \$portico_gw_(port|path) "[^"$]*(\$1)?"$"#).matches(text)
                || (text == "if ($scheme = https)" && line.children.count == 1
                    && Allowlist.pattern(#"^set \$portico_gw_port "(:\d{1,5})?"$"#).matches(line.children[0].description))
                || (line.name == "if" && args(line).count == 4 && args(line)[0] == "($uri" && args(line)[1] == "~" && line.children.count == 1
                    && Allowlist.pattern(#"^set \$portico_gw_path "[^"$]*\$1"$"#).matches(line.children[0].description))
            if !ok { fail(line, "\(ConfigTree.quote(text)) is not allowed before a redirect") }
        }
        let url = args(last)[1]
        let scheme = r.scheme ?? "$scheme"
        let host = r.hostname ?? "$host"
        guard url.hasPrefix(scheme + "://" + host) else {
            fail(last, "redirect \(url) is not to \(scheme)://\(host)")
            return
        }
        let rest = String(url.dropFirst((scheme + "://" + host).count))
        let shape = Allowlist.pattern(#"^(:\d{1,5}|\$portico_gw_port)?(\$request_uri|(/[A-Za-z0-9/._~!&'()*+,=:@-]*|\$portico_gw_path)\$is_args\$args)$"#)
        if !shape.matches(rest) { fail(last, "redirect \(url): \(rest) is not PORT and PATH") }
    }

    /// A validated value as the template quotes it: `$` through `$portico_dollar`.
    static func dollars(_ value: String) -> String {
        value.split(separator: "$", omittingEmptySubsequences: false).joined(separator: "${portico_dollar}")
    }
}

extension String {
    fileprivate func strippingAffixes(_ prefix: String, _ suffix: String) -> String? {
        guard hasPrefix(prefix), hasSuffix(suffix), utf8.count >= prefix.utf8.count + suffix.utf8.count else { return nil }
        return String(dropFirst(prefix.count).dropLast(suffix.count))
    }
}

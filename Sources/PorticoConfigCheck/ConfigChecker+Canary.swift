import PorticoPCRE
import PorticoRouting

/// Canary routes read back: the http-level maps that turn a request's header, cookie and a random
/// draw into `canary`, `main` or nothing, and the map over those that picks each canary route's
/// Service. What a route sets `$portico_upstream` to (or its route map entry) then stands for its
/// main Service, its canary's, and the rules between them, to compare with the routing table.
extension CheckRun {
    struct CanaryChoice {
        var main: Upstream
        var canary: PredictedCanary
    }

    static let canaryVariable = Allowlist.pattern(#"^\$portico_canary_[0-9a-f]{8}(_\d{1,6})?$"#)
    static let canarySource = Allowlist.pattern(
        #"^(\$portico_canary_h_[0-9a-f]{8}(?:_\d{1,6})?)?(\$portico_canary_c_[0-9a-f]{8}(?:_\d{1,6})?)?(\$portico_canary_w_\d{1,5})?$"#)

    /// Reads every canary map of the http context into `canaryChoices`.
    mutating func checkCanaryMaps(_ http: ConfigDirective) {
        var headers: [String: PredictedCanary.Header] = [:], cookies: [String: String] = [:], shares: [String: Int] = [:]
        var finals: [ConfigDirective] = []
        var defined = Set<String>()
        for d in http.children where d.block != nil && (d.name == "map" || d.name == "split_clients") {
            let a = args(d)
            guard a.count == 2, a[1].hasPrefix("$portico_canary_") else { continue }
            if !defined.insert(a[1]).inserted { fail(d, "\(a[1]) defined twice") }
            if d.name == "split_clients" {
                if let share = splitShare(d) { shares[a[1]] = share }
            } else if a[1].hasPrefix("$portico_canary_h_") {
                if let header = headerRule(d) { headers[a[1]] = header }
            } else if a[1].hasPrefix("$portico_canary_c_") {
                guard !d.arguments[0].quoted, let cookie = a[0].strippingCanaryPrefix("$cookie_"),
                    Allowlist.canaryName.matches(cookie), canaryLines(d) == Self.alwaysOrNever
                else {
                    fail(d, "cookie map \(a[1]) is not $cookie_NAME with default \"\", always canary, never main")
                    continue
                }
                cookies[a[1]] = cookie
            } else {
                finals.append(d)
            }
        }
        for d in finals { finalChoice(d, headers: headers, cookies: cookies, shares: shares) }
        let sizes = http.children.filter { $0.name == "variables_hash_max_size" }
        let needed = !defined.isEmpty || prediction.signin
        if sizes.count != (needed ? 1 : 0) {
            fail(http, "\(sizes.count) variables_hash_max_size, expected \(needed ? 1 : 0) (one with canary or auth-signin maps)")
        }
    }

    static let alwaysOrNever = [#"default """#, #""~^always$" canary"#, #""~^never$" main"#]

    /// A map's lines as `key value`, nil (with a problem) when one is not a plain pair.
    mutating func canaryLines(_ map: ConfigDirective) -> [String]? {
        for entry in map.children where entry.block != nil || entry.arguments.count != 1 {
            fail(entry, "\(ConfigTree.quote(entry.description)) is not a key and a value")
            return nil
        }
        return map.children.map(\.description)
    }

    /// `map $http_NAME VAR`: always/never, one regex for the canary, or main when present.
    mutating func headerRule(_ map: ConfigDirective) -> PredictedCanary.Header? {
        let a = args(map)
        guard !map.arguments[0].quoted, let variable = a[0].strippingCanaryPrefix("$"), variable.hasPrefix("http_"),
            Allowlist.canaryName.matches(String(variable.dropFirst(5))), let lines = canaryLines(map)
        else {
            fail(map, "header map \(a[1]) does not read a header's variable")
            return nil
        }
        if lines == Self.alwaysOrNever { return .init(variable: variable, decides: .alwaysOrNever) }
        if lines == ["default main", #""" """#] { return .init(variable: variable, decides: .mainWhenPresent) }
        let entries = map.children
        guard lines.count == 2, lines[0] == #"default """#, entries[1].nameQuoted, !entries[1].arguments[0].quoted,
            entries[1].arguments[0].value == "canary", let regex = entries[1].name.strippingCanaryPrefix("~"),
            Self.isHeaderRegex(regex)
        else {
            fail(map, "header map \(a[1]) is not always/never, one validated regex to the canary, or main when present: \(lines)")
            return nil
        }
        return .init(variable: variable, decides: .regex(regex))
    }

    /// A header pattern as Router validates it (ingress-nginx's regex characters, and it compiles),
    /// or an exact value `^VALUE$` (letters, digits, spaces and `- . _ ~ / :`, `.` escaped).
    static func isHeaderRegex(_ regex: String) -> Bool {
        if let body = regex.strippingCanaryPrefix("^"), body.hasSuffix("$"),
            let literal = unescaped(String(body.dropLast()), separator: nil)?.first,
            Allowlist.canaryValue.matches(literal)
        {
            return true
        }
        return Allowlist.canaryPattern.matches(regex) && (try? PCRE(regex)) != nil
    }

    /// `split_clients $request_id VAR { P% canary; * main; }`: the share in hundredths of a percent.
    mutating func splitShare(_ d: ConfigDirective) -> Int? {
        let lines = canaryLines(d) ?? []
        guard args(d).first == "$request_id", !d.arguments[0].quoted, lines.count == 2, lines[1] == "* main",
            let percent = lines[0].strippingSuffixText("% canary"), let share = Self.share(percent), share > 0,
            share < CanaryRules.wholeShare
        else {
            fail(d, "split_clients \(args(d).last ?? "") is not $request_id { P% canary; * main; } with 0 < P < 100")
            return nil
        }
        return share
    }

    /// `30`, `0.5`, `33.33` → hundredths of a percent.
    static func share(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0]), parts[0].allSatisfy(\.isNumber), whole <= 100 else { return nil }
        var hundredths = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let n = Int(parts[1]) else { return nil }
            hundredths = parts[1].count == 1 ? n * 10 : n
        }
        return whole * 100 + hundredths
    }

    /// `map "$H$C$W" VAR { default UNDECIDED; "~^canary" CANARY; "~^main" MAIN; }`.
    mutating func finalChoice(
        _ d: ConfigDirective, headers: [String: PredictedCanary.Header], cookies: [String: String], shares: [String: Int]
    ) {
        let a = args(d)
        guard Self.canaryVariable.matches(a[1]), let parts = Self.canarySource.firstMatch(a[0]), !a[0].isEmpty else {
            fail(d, "canary map \(a[1]) does not read its header's, cookie's and weight's words in that order")
            return
        }
        let (h, c, w) = (parts.count > 1 ? parts[1] : "", parts.count > 2 ? parts[2] : "", parts.count > 3 ? parts[3] : "")
        let header = headers[h], cookie = cookies[c], share = shares[w]
        if (!h.isEmpty && header == nil) || (!c.isEmpty && cookie == nil) || (!w.isEmpty && share == nil) {
            fail(d, "canary map \(a[1]) reads a word no canary map makes")
            return
        }
        let entries = d.children
        guard let lines = canaryLines(d), lines.count == 3, entries[0].name == "default", !entries[0].nameQuoted,
            entries[1].nameQuoted, entries[1].name == "~^canary", entries[2].nameQuoted, entries[2].name == "~^main",
            !entries.contains(where: { $0.arguments[0].quoted })
        else {
            fail(d, "canary map \(a[1]) is not default, \"~^canary\" and \"~^main\" to upstreams")
            return
        }
        let (undecided, canary, main) = (entries[0].arguments[0].value, entries[1].arguments[0].value, entries[2].arguments[0].value)
        guard [undecided, canary, main].allSatisfy(prediction.upstreamAddresses.contains), let m = Self.upstream(main) else {
            fail(d, "canary map \(a[1]) picks an address that is not an upstream of the table")
            return
        }
        var chosen = share ?? 0
        if w.isEmpty, undecided == canary, undecided != main {
            chosen = CanaryRules.wholeShare
        } else if undecided != main {
            fail(d, "canary map \(a[1]): requests nothing decided go to \(undecided), neither the weight's choice nor main")
            return
        }
        if h.isEmpty && c.isEmpty && w.isEmpty { fail(d, "canary map \(a[1]) decides nothing per request") }
        canaryChoices[a[1]] = CanaryChoice(main: m, canary: PredictedCanary(canary: canary, header: header, cookie: cookie, share: chosen))
    }

    /// The route body a route that sets `$portico_upstream` to a canary variable has.
    mutating func canaryBody(_ variable: String, options: ProxyOptions, _ location: ConfigDirective) -> RouteBody? {
        guard let choice = canaryChoices[variable] else {
            fail(location, "sets $portico_upstream to \(variable), which no canary map defines")
            return nil
        }
        return RouteBody(backend: .upstream(choice.main), options: options, canary: choice.canary)
    }
}

extension String {
    fileprivate func strippingCanaryPrefix(_ p: String) -> String? { hasPrefix(p) ? String(dropFirst(p.count)) : nil }
    fileprivate func strippingSuffixText(_ s: String) -> String? { hasSuffix(s) ? String(dropLast(s.count)) : nil }
}

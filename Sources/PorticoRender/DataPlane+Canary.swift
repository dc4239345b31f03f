import PorticoRouting

/// Canary routes in plain nginx (docs/data-plane.md): a route with a canary sets
/// `$portico_upstream` to a variable that holds its main or its canary Service's address. The
/// variable is a map over what the canary's header, cookie and weight say, each made first into a
/// fixed word by a map or `split_clients` of its own: `canary`, `main`, or nothing (not decided).
/// Joined in that order, the first word decides, which is ingress-nginx's precedence; no request
/// text ever reaches the last map's key. Names come from the contents, so they do not move when
/// other routes change.
extension DataPlane {
    /// What a canary route chooses between, and how: routes that agree on all three share a variable.
    struct CanarySplit: Hashable {
        let main: Upstream
        let canary: Upstream
        let rules: CanaryRules
    }

    /// A `map` or `split_clients` block at the http level: every key and value already an nginx
    /// token (quoted where it must be).
    struct CanaryMap: Equatable {
        let directive: String
        let source: String
        let variable: String
        let entries: [Entry]

        struct Entry: Equatable {
            let key: String
            let value: String
        }
    }

    /// Every canary map of a table, and the variable of each split.
    struct Canaries {
        var maps: [CanaryMap] = []
        var names: [CanarySplit: String] = [:]

        var isEmpty: Bool { maps.isEmpty }

        /// `variables_hash_max_size`: room for nginx's own variables, the template's and these.
        var variablesHashSize: Int { max(2048, 4 * (maps.count + 512)) }
    }

    /// The split of a location, when its canary decides per request.
    static func canarySplit(_ l: Location) -> CanarySplit? {
        guard let canary = l.canary, case .upstream(let main) = l.backend, canary.rules.fixedOutcome == nil else { return nil }
        return CanarySplit(main: main, canary: canary.upstream, rules: canary.rules)
    }

    /// What a route sets `$portico_upstream` to instead of its Service's address: its split's
    /// variable, or the canary's address when the canary takes every request; nil: the address.
    static func canaryUpstream(_ l: Location, _ canaries: Canaries) -> String? {
        guard let canary = l.canary, case .upstream = l.backend else { return nil }
        switch canary.rules.fixedOutcome {
        case true?: return canary.upstream.address
        case false?: return nil
        case nil: return canarySplit(l).flatMap { canaries.names[$0] }
        }
    }

    /// One comment line for a route with a canary.
    static func canaryComment(_ l: Location) -> String? {
        guard let canary = l.canary, case .upstream = l.backend else { return nil }
        return "canary \(canary.source) \(canary.field): \(canary.rules) -> \(canary.upstream.address)"
    }

    static func canaries(_ table: RoutingTable) -> Canaries {
        var splits = Set<CanarySplit>()
        func add(_ locations: [Location]) {
            for j in locations.indices where locations[j].canary != nil {
                if let split = canarySplit(locations[j]) { splits.insert(split) }
            }
        }
        add(table.catchAll.locations)
        let hosts = table.virtualHosts
        for i in hosts.indices { add(hosts[i].locations) }
        guard !splits.isEmpty else { return Canaries() }

        var result = Canaries()
        var used = Names()
        /// Names for `contents` by their canonical text: a hash of it, `_2`... after a collision.
        func name(_ prefix: String, _ canonical: String) -> String { used.take(prefix + FNV1a.hex32(canonical)) }
        let always = CanaryMap.Entry(key: quoted("~^always$"), value: "canary")
        let never = CanaryMap.Entry(key: quoted("~^never$"), value: "main")
        let undecided = CanaryMap.Entry(key: "default", value: "\"\"")

        var headers: [String: (header: CanaryHeader, canonical: String)] = [:]
        var cookies: [String: String] = [:]
        var shares = Set<Int>()
        for split in splits {
            if let h = split.rules.header { headers[headerCanonical(h)] = (h, headerCanonical(h)) }
            if let c = split.rules.cookie { cookies[c.lowercased()] = c.lowercased() }
            if split.rules.share > 0 && split.rules.share < CanaryRules.wholeShare { shares.insert(split.rules.share) }
        }
        var headerNames: [String: String] = [:]
        for canonical in headers.keys.sorted() {
            guard let header = headers[canonical]?.header else { continue }
            let variable = name("$portico_canary_h_", canonical)
            headerNames[canonical] = variable
            let entries: [CanaryMap.Entry]
            switch header.match {
            case .alwaysOrNever: entries = [undecided, always, never]
            case .value(let v): entries = [undecided, .init(key: quoted("~^" + regex(v) + "$"), value: "canary")]
            // nginx tries no regex on an empty value: a request without the header is not decided.
            case .pattern(let p): entries = [undecided, .init(key: quoted("~" + p), value: "canary")]
            case .brokenPattern: entries = [.init(key: "default", value: "main"), .init(key: "\"\"", value: "\"\"")]
            }
            result.maps.append(CanaryMap(directive: "map", source: "$" + header.variable, variable: variable, entries: entries))
        }
        var cookieNames: [String: String] = [:]
        for cookie in cookies.keys.sorted() {
            let variable = name("$portico_canary_c_", cookie)
            cookieNames[cookie] = variable
            result.maps.append(
                CanaryMap(directive: "map", source: "$cookie_" + cookie, variable: variable, entries: [undecided, always, never]))
        }
        for share in shares.sorted() {
            result.maps.append(
                CanaryMap(
                    directive: "split_clients", source: "$request_id", variable: "$portico_canary_w_\(share)",
                    entries: [.init(key: CanaryRules(share: share).percent, value: "canary"), .init(key: "*", value: "main")]))
        }
        for (canonical, split) in splits.map({ (splitCanonical($0), $0) }).sorted(by: { $0.0 < $1.0 }) {
            let variable = name("$portico_canary_", canonical)
            result.names[split] = variable
            var parts: [String] = []
            if let h = split.rules.header, let v = headerNames[headerCanonical(h)] { parts.append(v) }
            if let c = split.rules.cookie, let v = cookieNames[c.lowercased()] { parts.append(v) }
            if split.rules.share > 0 && split.rules.share < CanaryRules.wholeShare { parts.append("$portico_canary_w_\(split.rules.share)") }
            let source = parts.count == 1 ? parts[0] : "\"" + parts.joined() + "\""
            let undecidedGoes = split.rules.share == CanaryRules.wholeShare ? split.canary : split.main
            result.maps.append(
                CanaryMap(
                    directive: "map", source: source, variable: variable,
                    entries: [
                        .init(key: "default", value: undecidedGoes.address), .init(key: quoted("~^canary"), value: split.canary.address),
                        .init(key: quoted("~^main"), value: split.main.address),
                    ]))
        }
        return result
    }

    static func headerCanonical(_ h: CanaryHeader) -> String {
        switch h.match {
        case .alwaysOrNever: h.variable + " always"
        case .value(let v): h.variable + " value " + v
        case .pattern(let p): h.variable + " pattern " + p
        case .brokenPattern: h.variable + " broken"
        }
    }

    static func splitCanonical(_ s: CanarySplit) -> String {
        [
            s.main.address, s.canary.address, s.rules.header.map(headerCanonical) ?? "-", s.rules.cookie?.lowercased() ?? "-",
            "\(s.rules.share)",
        ].joined(separator: "|")
    }

}

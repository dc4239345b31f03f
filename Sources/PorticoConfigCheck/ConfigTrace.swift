import PorticoPCRE

/// What nginx does with one request under a config in Portico's shape, worked out from the text
/// as nginx reads it (maps, the rewrite, location lookup with PCRE for regexes), with the lines
/// that do it. `portico explain` prints these lines and checks them against the routing rules.
package struct ConfigTrace: Sendable, Equatable {
    /// Line numbers (1-based) of the directives that decide, in the order nginx uses them.
    package var lines: [Int] = []
    /// The address `$portico_upstream` ends as, or nil when nginx answers a status itself.
    package var upstream: String?
    package var status: Int?
    /// With `status`, the URL of a `return STATUS URL` (a redirect).
    package var redirectURL: String?
    /// The named location the request is handed to.
    package var proxy: String?
    /// A canary route's other Service: `upstream` is then its main one.
    package var canaryUpstream: String?

    /// Nil when the config is not in the shape (`portico render` with a custom template).
    package static func trace(_ config: String, host: String, path: String) -> ConfigTrace? {
        guard let tree = try? ConfigTree.parse(config), let http = tree.first(where: { $0.name == "http" }) else { return nil }
        func args(_ d: ConfigDirective) -> [String] { d.arguments.map(\.value) }
        var maps: [String: ConfigDirective] = [:]
        for map in http.children where map.name == "map" { maps[args(map).joined(separator: " ")] = map }
        func lookup(_ map: String, _ key: String) -> ConfigDirective? {
            maps[map]?.children.first { $0.arguments.count == 1 && $0.name.lowercased() == key.lowercased() && $0.name != "default" }
        }
        var trace = ConfigTrace()
        var key = "_"
        if let entry = lookup("$host $portico_exact_host", host) {
            key = entry.arguments[0].value
            trace.lines.append(entry.line)
        } else if let dot = host.firstIndex(of: "."), dot != host.startIndex,
            let entry = lookup("$portico_parent_host $portico_wildcard_host", String(host[host.index(after: dot)...]))
        {
            key = entry.arguments[0].value
            trace.lines.append(entry.line)
        }
        // An HTTPRoute host of one scheme (`GatewayHost.mapValue`): the trace is of a plain HTTP request.
        if key.hasPrefix("$scheme:") { key = "http:" + key.dropFirst("$scheme:".count) }
        guard let server = http.children.first(where: { $0.name == "server" && $0.children.contains { $0.name == "rewrite" } }),
            let rewrite = server.children.first(where: { $0.name == "rewrite" })
        else { return nil }
        trace.lines.append(rewrite.line)
        let uri = "/" + key + path
        let named = Dictionary(
            server.children.filter { $0.name == "location" && args($0).first?.hasPrefix("@") == true }.map { (args($0)[0], $0) },
            uniquingKeysWith: { a, _ in a })
        guard let hostLocation = server.children.first(where: { $0.name == "location" && args($0) == ["/" + key + "/"] })
            ?? server.children.first(where: { $0.name == "location" && args($0) == ["/"] })
        else { return nil }
        trace.lines.append(hostLocation.line)

        var chosen = hostLocation
        var captured: String?
        let nested = hostLocation.children.filter { $0.name == "location" }
        if let exact = nested.first(where: { args($0) == ["=", uri] }) {
            chosen = exact
        } else {
            for location in nested where ["~", "~*"].contains(args(location).first) && args(location).count == 2 {
                guard let regex = try? PCRE(args(location)[1], caseless: args(location)[0] == "~*"), let match = regex.firstMatch(uri)
                else { continue }
                chosen = location
                captured = match.count > 1 ? match[1] : nil
                break
            }
        }
        if chosen.line != hostLocation.line { trace.lines.append(chosen.line) }
        var handsOver = false
        for d in chosen.children where d.block == nil {
            trace.lines.append(d.line)
            let a = args(d)
            switch d.name {
            case "set" where a.count == 2 && a[0] == "$portico_upstream":
                if a[1] == "$portico_route_upstream", let captured, let entry = lookup("$portico_route $portico_route_upstream", captured) {
                    trace.upstream = entry.arguments[0].value
                    trace.lines.append(entry.line)
                } else {
                    trace.upstream = a[1]
                }
            case "error_page" where a.count == 3: trace.proxy = a[2]
            case "return" where a.count == 1:
                if a[0] == "418", trace.proxy != nil { handsOver = true } else { trace.status = Int(a[0]) }
            case "return" where a.count == 2:
                trace.status = Int(a[0])
                trace.redirectURL = a[1]
            default: break
            }
        }
        // A canary route's variable: the map that picks its main or its canary Service.
        if let variable = trace.upstream, variable.hasPrefix("$portico_canary_"),
            let map = http.children.first(where: { $0.name == "map" && args($0).last == variable })
        {
            trace.lines.append(map.line)
            for entry in map.children where entry.arguments.count == 1 && ["~^main", "~^canary"].contains(entry.name) {
                trace.lines.append(entry.line)
                if entry.name == "~^main" { trace.upstream = entry.arguments[0].value } else { trace.canaryUpstream = entry.arguments[0].value }
            }
        }
        if handsOver, let proxy = trace.proxy, let location = named[proxy] {
            trace.lines.append(location.line)
            trace.lines += location.children.map(\.line)
        } else {
            trace.upstream = nil
            trace.canaryUpstream = nil
            trace.proxy = nil
        }
        trace.lines.sort()
        return trace
    }
}

import PorticoPCRE
import PorticoRender
import PorticoRouting

/// Something in a rendered nginx.conf that the routing table did not ask for.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var message: String
    package var description: String { "line \(line): \(message)" }
}

/// Checks a config rendered by the default template against what its routing table predicts. It
/// reads the text as nginx does and works out what nginx would do with it: every directive is on
/// the allowlist of its context; the maps send each host to its own key; the one server rewrites
/// every request under that key; each host's locations, tried in nginx's order, route exactly the
/// table's Exact and Prefix paths to the table's backends with the table's settings; and every
/// proxy target is one of the table's upstreams. With an HTTPS port, the TLS settings are the
/// template's, each host with its own certificate gets that file by SNI (and only those hosts do),
/// HSTS is added exactly where the host has its own certificate, and plain HTTP is redirected
/// exactly on the routes the table redirects, before anything else; without one, nothing of HTTPS.
package struct ConfigChecker: Sendable {
    package init() {}

    package func check(_ config: String, table: RoutingTable, options: RenderOptions) -> [ConfigProblem] {
        let tree: [ConfigDirective]
        do {
            tree = try ConfigTree.parse(config)
        } catch {
            return [ConfigProblem(line: error.line, message: "does not parse: \(error.message)")]
        }
        var run = CheckRun(prediction: ConfigPrediction(table: table, options: options))
        run.checkMain(tree)
        return run.problems
    }
}

struct CheckRun {
    let prediction: ConfigPrediction
    var problems: [ConfigProblem] = []
    /// `/KEY/PATH` → upstream, from the route map.
    var routeUpstreams: [String: String] = [:]
    var lowercasedRoutes: [String: String] = [:]
    /// Named location → its settings.
    var proxies: [String: ProxyOptions] = [:]
    /// Rate-limit zone name → what counts and how fast (`limit_req_zone`, `limit_conn_zone`).
    var limitZones: [String: (key: String, rate: Int?)] = [:]
    /// Rate-limit id → the addresses its geo exempts.
    var limitExempt: [String: [SourceRange]] = [:]
    /// Zones some named location uses.
    var limitZonesUsed: Set<String> = []
    /// Canary variable (`$portico_canary_...`) → the choice it makes (`ConfigChecker+Canary.swift`).
    var canaryChoices: [String: CanaryChoice] = [:]
    /// HTTPRoutes' weighted backends and added headers, by variable (`ConfigChecker+Gateway.swift`).
    var gatewaySplits: [String: ConfigDirective] = [:]
    var gatewayAddMaps: [String: (source: String, value: String)] = [:]
    /// The routes' hosts by the key of their location, made once (each host location looks its own up).
    lazy var gatewayHostsByKey = Self.gatewayHostsByKey(prediction)

    mutating func fail(_ d: ConfigDirective?, _ message: String) {
        problems.append(ConfigProblem(line: d?.line ?? 0, message: message))
    }

    /// Each directive of a context must match one of the patterns (`name args`, args quoted as
    /// written) or be one of the literal lines, and must be a block exactly when they say so.
    mutating func allow(
        _ directives: [ConfigDirective], _ context: String, simple: [PCRE], blocks: [PCRE], literals: [String] = [],
        literalBlocks: [String] = []
    ) {
        for d in directives {
            let text = d.description
            let patterns = d.block == nil ? simple : blocks
            if !(d.block == nil ? literals : literalBlocks).contains(text), !patterns.contains(where: { $0.matches(text) }) {
                fail(d, "\(d.block == nil ? "directive" : "block") \(ConfigTree.quote(text)) is not allowed in \(context)")
            }
        }
    }

    mutating func checkMain(_ tree: [ConfigDirective]) {
        allow(tree, "the main context", simple: Allowlist.main + Allowlist.streamMain, blocks: Allowlist.mainBlocks + Allowlist.streamBlocks)
        checkStreams(tree)
        expectOnce(tree, "events", in: "the main context")
        expectOnce(tree, "http", in: "the main context")
        let users = tree.filter { $0.name == "user" }.map { $0.arguments.map(\.value) }
        if users != (prediction.user.map { [[$0]] } ?? []) {
            fail(nil, "user \(users), expected \(prediction.user ?? "none")")
        }
        for d in tree where d.name == "events" {
            allow(d.children, "events", simple: Allowlist.events, blocks: [])
        }
        for d in tree where d.name == "http" {
            checkHTTP(d)
        }
    }

    mutating func expectOnce(_ directives: [ConfigDirective], _ name: String, in context: String) {
        let n = directives.filter { $0.name == name }.count
        if n != 1 { fail(nil, "\(n) \(name) directives in \(context), expected 1") }
    }

    func args(_ d: ConfigDirective) -> [String] { d.arguments.map(\.value) }

    /// The `ssl_*` directives of a context: exactly the expected ones, each once, none without HTTPS.
    mutating func expectTLSSettings(_ context: ConfigDirective, _ expected: [String]) {
        let settings = context.children.filter { $0.name.hasPrefix("ssl_") }.map(\.description)
        if settings.sorted() != expected.sorted() {
            fail(context, "TLS settings in \(context.name) are \(settings), expected \(expected)")
        }
    }

    mutating func checkHTTP(_ http: ConfigDirective) {
        allow(
            http.children, "http", simple: Allowlist.http + Allowlist.limitZones + Allowlist.globalHTTP,
            blocks: Allowlist.httpBlocks + Allowlist.limitBlocks + Allowlist.globalBlocks + (prediction.https == nil ? [] : Allowlist.httpsBlocks)
                + (prediction.gatewayHosts.isEmpty ? [] : Self.gatewayHTTPBlocks)
                + (passthrough == nil ? [] : Allowlist.passthroughHTTPBlocks),
            literals: (prediction.https?.httpSettings ?? []) + (passthrough.map { ["set_real_ip_from \($0.source)", "real_ip_header proxy_protocol"] } ?? []))
        expectTLSSettings(http, prediction.https?.httpSettings ?? [])
        let resolvers = http.children.filter { $0.name == "resolver" }.map(args)
        if resolvers != [prediction.resolvers] { fail(http, "resolver \(resolvers), expected \(prediction.resolvers)") }
        var maps: [String: ConfigDirective] = [:]
        for map in http.children where map.name == "map" {
            let key = args(map).joined(separator: " ")
            if maps[key] != nil { fail(map, "map \(key) twice") }
            maps[key] = map
        }
        let mapNames = Allowlist.mapNames + (prediction.https == nil ? [] : Allowlist.httpsMapNames)
        let optional = ["$portico_route $portico_route_upstream", Self.corsMap, Allowlist.requestIDMap, Allowlist.wwwPathMap] + Allowlist.corsMaps.keys
        if (maps[Allowlist.wwwPathMap] != nil) != prediction.wwwRedirects {
            fail(http, "map \(Allowlist.wwwPathMap) \(prediction.wwwRedirects ? "missing" : "without a from-to-www-redirect")")
        }
        for key in mapNames where maps[key] == nil && !optional.contains(key) { fail(http, "no map \(key)") }
        checkFixedMaps(maps)
        checkGlobal(http, maps: maps)
        checkHostMaps(maps)
        if let https = prediction.https { checkCertificateMaps(maps, https) }
        checkPassthroughHTTP(http, maps)
        checkCanaryMaps(http)
        checkGatewayHTTP(http)
        checkRouteMap(maps["$portico_route $portico_route_upstream"])
        readRateLimits(http, maps)
        checkEscapeMaps(http, maps)

        var main: [ConfigDirective] = [], own: [ConfigDirective] = []
        for server in http.children where server.name == "server" {
            let status = prediction.statusPort.map { "127.0.0.1:\($0)" }
            if server.children.contains(where: { $0.name == "listen" && args($0) == [status ?? "-"] }) {
                checkStatusServer(server)
            } else if server.children.contains(where: { $0.name == "server_name" && args($0) != ["_"] }) {
                own.append(server)  // a host's own: client certificates
            } else {
                main.append(server)
            }
        }
        if prediction.statusPort != nil, http.children.filter({ $0.name == "server" }).count != main.count + own.count + 1 {
            fail(http, "expected exactly one status server on 127.0.0.1:\(prediction.statusPort ?? 0)")
        }
        guard main.count == 1 else {
            fail(http, "\(main.count) servers besides the status server, expected 1")
            return
        }
        checkServer(main[0])
        checkErrorServer(main[0], maps: maps)
        checkClientCertificateServers(own)
        let unused = Set(limitZones.keys).subtracting(limitZonesUsed)
        if !unused.isEmpty { fail(http, "rate-limit zones no location uses: \(unused.sorted())") }
        // nginx refuses a map on a variable nothing sets.
        let corsProxies = proxies.values.contains(where: { $0.cors != nil })
        for name in [Self.corsMap] + Allowlist.corsMaps.keys.sorted() where (maps[name] != nil) != corsProxies {
            fail(http, "map \(name) \(maps[name] == nil ? "missing" : "without a CORS route")")
        }
    }

    static let corsMap = "$request_method:$portico_cors $portico_cors_preflight"

    /// The rate limits' zones, and the geos that exempt addresses: `default 0` and validated ranges
    /// to 1.
    mutating func readRateLimits(_ http: ConfigDirective, _ maps: [String: ConfigDirective]) {
        for geo in http.children where geo.name == "geo" && geo.description != Self.gatewayDollar {
            let id = String(args(geo).first?.dropFirst("$portico_limit_exempt_".count) ?? "")
            var ranges: [SourceRange] = []
            for (i, line) in geo.children.enumerated() {
                if i == 0 {
                    if line.description != "default 0" { fail(line, "a rate limit's geo must start with default 0") }
                    continue
                }
                guard line.block == nil, args(line) == ["1"], let range = SourceRange(Substring(line.name)), range.text == line.name else {
                    fail(line, "\(ConfigTree.quote(line.description)) is not an exempt range")
                    continue
                }
                ranges.append(range)
            }
            if ranges.isEmpty { fail(geo, "a rate limit's geo exempts nothing") }
            if limitExempt.updateValue(ranges, forKey: id) != nil { fail(geo, "geo \(id) twice") }
        }
        for zone in http.children where zone.name == "limit_req_zone" || zone.name == "limit_conn_zone" {
            let a = args(zone)
            guard a.count >= 2, let name = a[1].dropFirst("zone=".count).split(separator: ":").first.map(String.init) else { continue }
            let rate = a.count == 3 ? Int(a[2].dropFirst("rate=".count).dropLast("r/s".count)) : nil
            if limitZones.updateValue((a[0], rate), forKey: name) != nil { fail(zone, "zone \(name) twice") }
        }
    }

    /// A limited route's key and exemption: its Ingress's id, and the ranges its geo exempts.
    mutating func routeLimit(_ location: ConfigDirective) -> (id: String, exempt: [SourceRange])? {
        let children = location.children
        let keys = children.indices.filter { children[$0].block == nil && Allowlist.limitKey.matches(children[$0].description) }
        guard let keyIndex = keys.first else { return nil }
        let value = children[keyIndex].arguments[1].value
        // Before the hand-over: nothing after `return` runs.
        if let handOver = children.firstIndex(where: { $0.name == "return" }), handOver < keyIndex {
            fail(children[keyIndex], "the limit key is set after the hand-over")
        }
        let id = String(value.prefix(while: { $0 != ":" }))
        var exempt: [SourceRange] = []
        let conditions = children.indices.filter { children[$0].block != nil && Allowlist.limitExemptCondition.matches(children[$0].description) }
        if let c = conditions.first {
            let condition = children[c]
            // `if ($portico_limit_exempt_ID)`: the id between the prefix and the parenthesis.
            let geo = String(condition.description.dropFirst("if ($portico_limit_exempt_".count).dropLast())
            if condition.children.map(\.description) != [Allowlist.limitExemptKey] { fail(condition, "an exemption must only empty the key") }
            guard let ranges = limitExempt[geo] else {
                fail(condition, "no geo $portico_limit_exempt_\(geo)")
                return (id, [])
            }
            exempt = ranges
            // After the key is set, or the key is set again over the exemption.
            if c < keyIndex { fail(condition, "the exemption comes before the key it empties") }
        }
        if keys.count > 1 || conditions.count > 1 { fail(location, "one limit key and one exemption per route") }
        return (id, exempt)
    }

    /// A named location's `limit_*` directives as the limits they enforce, with their zones' rates.
    mutating func rateLimit(_ location: ConfigDirective) -> RateLimit? {
        let directives = location.children.filter { $0.name.hasPrefix("limit_") }
        guard !directives.isEmpty else { return nil }
        var limit = RateLimit(id: "", ingress: ObjectReference(kind: "Ingress", namespace: "", name: ""))
        for d in directives {
            let a = args(d)
            switch d.name {
            case "limit_rate": limit.rateKiB = Int(a.first?.dropLast() ?? "")
            case "limit_rate_after": limit.rateAfterKiB = Int(a.first?.dropLast() ?? "")
            case "limit_conn" where a.count == 2:
                guard limitZones[a[0]] != nil, a[0] == "portico_conn" else {
                    fail(d, "limit_conn with no limit_conn_zone \(a[0])")
                    continue
                }
                limitZonesUsed.insert(a[0])
                limit.connections = Int(a[1])
            case "limit_req" where a.count == 3 || a.count == 2:
                let name = String(a[0].dropFirst("zone=".count))
                guard let zone = limitZones[name], let rate = zone.rate else {
                    fail(d, "limit_req with no limit_req_zone \(name)")
                    continue
                }
                limitZonesUsed.insert(name)
                let counted = RateLimit.Limit(rate: rate, burst: a.count == 3 ? Int(a[1].dropFirst("burst=".count)) ?? -1 : 0)
                if name.hasPrefix("portico_rps_") {
                    if limit.perSecond != nil { fail(d, "two per-second limits") }
                    limit.perSecond = counted
                } else {
                    if limit.perMinute != nil { fail(d, "two per-minute limits") }
                    limit.perMinute = counted
                }
            default: break  // the allowlist has reported it
            }
        }
        return limit
    }

    /// Maps whose every line is fixed: the Host header, the Upgrade header, the parent of a host and
    /// the choice between the exact and the wildcard key.
    mutating func checkFixedMaps(_ maps: [String: ConfigDirective]) {
        var fixed = Allowlist.fixedMaps
        if let https = prediction.https { fixed.merge(Allowlist.httpsFixedMaps.merging(https.fixedMaps) { a, _ in a }) { a, _ in a } }
        for (name, lines) in fixed {
            guard let map = maps[name] else { continue }
            if map.children.map(\.description) != lines || map.children.contains(where: { $0.block != nil }) {
                fail(map, "map \(name) is not \(lines)")
            }
        }
    }

    mutating func checkHostMaps(_ maps: [String: ConfigDirective]) {
        if var map = maps["$host $portico_exact_host"] {
            let wildcards = gatewayWildcardLines(map)
            map.block = map.children.filter { line in !wildcards.contains { $0.line == line.line && $0 == line } }
            checkNameMap(map, values: Allowlist.hostValue, what: "exact host", shape: "NAME HOST", expected: prediction.exactHosts)
        }
        if let map = maps["$portico_parent_host $portico_wildcard_host"] {
            var wildcard: [String: String] = [:]
            for entry in mapEntries(map, default: "_") {
                let a = args(entry)
                guard a.count == 2, a[1] == "*." + a[0], Allowlist.hostName.matches(a[0]), !entry.arguments.contains(where: \.quoted) else {
                    fail(entry, "wildcard host entry \(ConfigTree.quote(entry.description)) is not SUFFIX *.SUFFIX")
                    continue
                }
                wildcard[a[0]] = a[1]
            }
            if wildcard != prediction.wildcardHosts {
                fail(map, "wildcard hosts differ: \(wildcard.values.sorted()) vs \(prediction.wildcardHosts.values.sorted())")
            }
        }
    }

    /// Each host with its own certificate, exact or wildcard, gets that file, and only those hosts
    /// do; every file is one the table writes.
    mutating func checkCertificateMaps(_ maps: [String: ConfigDirective], _ https: PredictedHTTPS) {
        for (name, defaultValue, expected) in [
            ("$ssl_server_name $portico_cert_exact", "\"\"", https.exactCertificates),
            ("$portico_sni_parent $portico_cert_wildcard", https.defaultCertificate, https.wildcardCertificates),
        ] {
            guard var map = maps[name] else { continue }
            if name == "$ssl_server_name $portico_cert_exact" {
                let lines = map.children.filter { $0.nameQuoted && $0.name.hasPrefix("~") }
                let found = lines.map { "\($0.name) \(args($0).joined(separator: " "))" }
                let wanted = https.wildcardCertificateLines
                if found != wanted { fail(map, "wildcard certificate lines \(found), expected \(wanted)") }
                map.block = map.children.filter { line in !lines.contains { $0.line == line.line && $0 == line } }
            }
            var certificates: [String: String] = [:]
            for entry in mapEntries(map, default: defaultValue) {
                let a = args(entry)
                guard a.count == 2, Allowlist.hostName.matches(a[0]), !entry.arguments.contains(where: \.quoted) else {
                    fail(entry, "certificate entry \(ConfigTree.quote(entry.description)) is not NAME FILE")
                    continue
                }
                guard Allowlist.certificateFile.matches(a[1]), https.certificateFiles.contains(a[1]) else {
                    fail(entry, "certificate entry for \(a[0]) names \(ConfigTree.quote(a[1])), which is not a certificate file of the table")
                    continue
                }
                if certificates.updateValue(a[1], forKey: a[0]) != nil { fail(entry, "\(a[0]) twice in map \(name)") }
            }
            if certificates != expected {
                let wrong = Set(certificates.keys).union(expected.keys).filter { certificates[$0] != expected[$0] }.sorted()
                fail(map, "map \(name): the certificates of \(wrong) differ from the hosts' own certificates")
            }
        }
    }

    /// The entries of a map after its one `default` line.
    mutating func mapEntries(_ map: ConfigDirective, default value: String) -> [ConfigDirective] {
        let defaults = map.children.filter { $0.name == "default" && !$0.nameQuoted }
        if defaults.map(\.description) != ["default \(value)"] {
            fail(map, "map \(args(map).joined(separator: " ")) must have exactly one default \(value)")
        }
        var entries: [ConfigDirective] = []
        for entry in map.children where !(entry.name == "default" && !entry.nameQuoted) {
            if entry.block != nil || ["hostnames", "include", "volatile"].contains(entry.name) || entry.name.hasPrefix("~") {
                fail(entry, "\(ConfigTree.quote(entry.description)) is not allowed in a map")
                continue
            }
            entries.append(ConfigDirective(name: entry.name, nameQuoted: entry.nameQuoted,
                arguments: [ConfigArgument(value: entry.name, quoted: entry.nameQuoted)] + entry.arguments, block: nil, line: entry.line))
        }
        return entries
    }

    mutating func checkRouteMap(_ map: ConfigDirective?) {
        guard let map else { return }
        for entry in mapEntries(map, default: "\"\"") {
            let a = args(entry)
            guard a.count == 2, entry.arguments[0].quoted, Allowlist.routeKey.matches(a[0]), !entry.arguments[1].quoted else {
                fail(entry, "route entry \(ConfigTree.quote(entry.description)) is not \"/HOST/PATH\" UPSTREAM")
                continue
            }
            guard prediction.upstreamAddresses.contains(a[1]) || canaryChoices[a[1]] != nil else {
                fail(entry, "route \(a[0]) goes to \(ConfigTree.quote(a[1])), which is not an upstream of the table")
                continue
            }
            if routeUpstreams.updateValue(a[1], forKey: a[0]) != nil {
                fail(entry, "route \(a[0]) twice in the route map")
            } else if lowercasedRoutes.updateValue(a[0], forKey: a[0].lowercased()) != nil {
                fail(entry, "route \(a[0]) collides with another key: nginx lowercases map keys")
            }
        }
    }

    mutating func checkStatusServer(_ server: ConfigDirective) {
        allow(server.children, "the status server", simple: Allowlist.statusServer, blocks: Allowlist.statusServerBlocks)
        for location in server.children where location.block != nil {
            let generation = "\"\(prediction.generation)\""
            allow(
                location.children, "a status location",
                simple: [Allowlist.pattern(#"^return 404$"#), Allowlist.pattern("^return 200 \(generation)$")], blocks: [])
        }
    }

    mutating func checkServer(_ server: ConfigDirective) {
        allow(
            server.children, "server",
            simple: Allowlist.server + (prediction.https == nil ? [] : [passthrough == nil ? Allowlist.httpsListen : Allowlist.passthroughListen]),
            blocks: Allowlist.serverBlocks + Allowlist.errorBlocks + (passthrough == nil ? [] : Allowlist.passthroughServerBlocks),
            literals: prediction.https?.serverSettings ?? [])
        checkPassthroughServer(server)
        expectTLSSettings(server, prediction.https?.serverSettings ?? [])
        let listens = server.children.filter { $0.name == "listen" }.map(args)
        if listens != prediction.listen { fail(server, "listen \(listens), expected \(prediction.listen)") }
        if server.children.filter({ $0.name == "server_name" }).map(args) != [["_"]] { fail(server, "server_name must be _ alone") }
        if server.children.filter({ $0.name == "rewrite" }).count != 1 { fail(server, "expected exactly one rewrite") }
        checkAuthServer(server)

        // HTTPRoutes' hosts, which name their actions' locations.
        var gatewayNames = GatewayNames()
        var gatewaySeen = Set<String>()
        for location in server.children where location.name == "location" && location.arguments.count == 1 && location.arguments[0].quoted {
            let a = args(location)[0]
            guard a.hasPrefix("/"), a.hasSuffix("/"), a.count > 2 else {
                fail(location, "location \(ConfigTree.quote(a)) is not an HTTPRoute host's \"/KEY/\"")
                continue
            }
            let key = String(a.dropFirst().dropLast())
            if !gatewaySeen.insert(key).inserted { fail(location, "two locations for HTTPRoute host \(key)") }
            checkGatewayHost(location, key: key, names: &gatewayNames)
        }
        let gatewayMissing = Set(prediction.gatewayHosts.map(\.locationKey)).subtracting(gatewaySeen)
        if !gatewayMissing.isEmpty { fail(server, "no location for HTTPRoute hosts \(gatewayMissing.sorted())") }
        var gatewayChecked = Set<String>()
        for location in server.children where location.name == "location" && Self.gatewayAction.matches(args(location).first ?? "") {
            let name = args(location)[0]
            if !gatewayChecked.insert(name).inserted { fail(location, "\(name) twice") }
            checkGatewayAction(location, gatewayNames.byName[name])
        }
        let unusedSplits = Set(gatewaySplits.keys).subtracting(gatewayNames.splits.keys)
        if !unusedSplits.isEmpty { fail(server, "split_clients no HTTPRoute candidate uses: \(unusedSplits.sorted())") }
        if Set(gatewayNames.byName.keys) != gatewayChecked {
            fail(server, "HTTPRoute actions without a named location: \(Set(gatewayNames.byName.keys).subtracting(gatewayChecked).sorted())")
        }

        // Named locations first: the routes refer to them.
        for location in server.children where location.name == "location" && args(location).first?.hasPrefix("@") == true {
            let name = args(location)[0]
            if Self.gatewayAction.matches(name) { continue }  // checked above
            if name == "@portico_auth_signin" { continue }  // checkAuthServer's
            if Self.isErrorLocation(name) { continue }  // checkErrorServer's
            if proxies[name] != nil { fail(location, "\(name) twice") }
            proxies[name] = proxyOptions(location)
        }
        if let defaults = proxies["@portico_proxy"], defaults != ProxyOptions() {
            fail(server, "@portico_proxy must proxy with nginx.conf's defaults")
        }
        var seen = Set<String>()
        var catchAllRoot = false
        for location in server.children where location.name == "location" && args(location).first?.hasPrefix("@") != true {
            let a = args(location)
            if location.arguments.count == 1 && location.arguments[0].quoted { continue }  // an HTTPRoute host's, checked above
            if a == ["=", "//portico-auth"] { continue }  // checkAuthServer's
            if a == ["/"] {
                catchAllRoot = true
                if location.children.map(\.description) != ["return 404"] { fail(location, "location / must only return 404") }
                continue
            }
            guard a.count == 1, a[0].hasPrefix("/"), a[0].hasSuffix("/"), !location.arguments[0].quoted else {
                fail(location, "location \(a.map(ConfigTree.quote)) is not a host's /KEY/")
                continue
            }
            let key = String(a[0].dropFirst().dropLast())
            guard let expected = prediction.hosts[key] else {
                fail(location, "location /\(key)/ is for no host of the table")
                continue
            }
            if !seen.insert(key).inserted { fail(location, "two locations for host \(key)") }
            if prediction.clientCertificates[key] != nil {
                checkClientCertificateStub(location, key: key)
                continue
            }
            checkHost(location, key: key, expected)
        }
        if !catchAllRoot { fail(server, "no location / for requests outside every host") }
        // HTTPRoutes for every hostname take the catch-all's place.
        let missing = Set(prediction.hosts.keys).subtracting(seen).subtracting(prediction.gatewayHosts.map(\.key))
        if !missing.isEmpty { fail(server, "no location for hosts \(missing.sorted())") }
    }

    /// The settings a named location proxies with; its only proxy_pass sends the client's request.
    mutating func proxyOptions(_ location: ConfigDirective) -> ProxyOptions? {
        allow(
            location.children, "a named location",
            simple: Allowlist.proxyLocation + Allowlist.limitDirectives + Allowlist.errorProxy + Allowlist.proxySSL, blocks: [],
            literals: hstsHeader + Allowlist.corsHeaders + [Allowlist.grpcRewrite], literalBlocks: [Allowlist.corsPreflight])
        var options = ProxyOptions()
        var upstream = UpstreamOptions()
        var seen = Set<String>(), access: [(String, String)] = [], headers: [ConfigDirective] = []
        // The module that proxies (grpc_pass or proxy_pass): its own timeouts and headers apply.
        let module = location.children.contains { $0.name == "grpc_pass" } ? "grpc" : "proxy"
        for d in location.children {
            let a = args(d)
            if Self.isAuthDirective(d) || Self.isErrorPage(d) { continue }  // namedAuthentication's, namedCustomErrors'
            if (d.name == "allow" || d.name == "deny") && a.count == 1 {
                access.append((d.name, a[0]))
                continue
            }
            if d.name.hasSuffix("_set_header") {
                if d.name != module + "_set_header" { fail(d, "\(d.name) in a location that proxies with \(module)_pass: not sent") }
                headers.append(d)
                continue
            }
            let once = d.name == "add_header" || d.name == "limit_req" ? d.name + " " + (args(d).first ?? "") : d.name
            if !seen.insert(once).inserted { fail(d, "\(once) twice in one location") }
            if d.name.hasSuffix("_timeout"), !d.name.hasPrefix(module + "_"), !d.name.hasPrefix("proxy_next_upstream") {
                fail(d, "\(d.name) in a location that proxies with \(module)_pass: no effect")
            }
            switch d.name {
            case "proxy_connect_timeout", "grpc_connect_timeout": options.connectTimeoutSeconds = Int(a.first?.dropLast() ?? "")
            case "proxy_read_timeout", "grpc_read_timeout": options.readTimeoutSeconds = Int(a.first?.dropLast() ?? "")
            case "proxy_send_timeout", "grpc_send_timeout": options.sendTimeoutSeconds = Int(a.first?.dropLast() ?? "")
            case "client_max_body_size": options.maxBodySize = a.first
            case "add_header" where d.description == Allowlist.hstsHeader: options.strictTransportSecurity = true
            case "add_header": continue  // the CORS headers: below
            case "proxy_buffering": upstream.buffering = a.first == "on"
            case "proxy_request_buffering": upstream.requestBuffering = a.first == "on"
            case "proxy_http_version": upstream.httpVersion = a.first
            case "proxy_buffer_size": upstream.buffers = ProxyBuffers(size: a.first ?? "", count: upstream.buffers?.count ?? 0)
            case "proxy_buffers" where a.count == 2:
                upstream.buffers = ProxyBuffers(size: upstream.buffers?.size ?? a[1], count: Int(a[0]) ?? 0)
                if upstream.buffers?.size != a[1] { fail(d, "proxy_buffers of another size than proxy_buffer_size") }
            case "proxy_next_upstream": upstream.nextUpstream = a
            case "proxy_next_upstream_tries": upstream.nextUpstreamTries = a.first.flatMap { Int($0) }
            case "proxy_next_upstream_timeout": upstream.nextUpstreamTimeoutSeconds = Int(a.first?.dropLast() ?? "")
            case "access_log": upstream.accessLogOff = a == ["off"]
            case "proxy_pass":
                upstream.backendProtocol = a.first?.hasPrefix("https:") == true ? .https : nil
                // Without `$request_uri` it sends the path its routes rewrote.
                if a.first?.hasSuffix("$portico_upstream") == true { options.rewriteTarget = "" }
            case "grpc_pass": upstream.backendProtocol = a.first?.hasPrefix("grpcs:") == true ? .grpcs : .grpc
            case "rewrite":
                // Only gRPC's (nginx runs it before the access rules, wherever it is written).
                if module != "grpc" || d.description != Allowlist.grpcRewrite { fail(d, "a rewrite other than gRPC's") }
            default: break  // what the allowlist has reported
            }
        }
        let cors = location.children.filter { $0.name == "add_header" && $0.description != Allowlist.hstsHeader && !Self.isAuthDirective($0) }
            .map(\.description)
        let preflights = location.children.filter { $0.description == Allowlist.corsPreflight }
        if !cors.isEmpty {
            if cors != Allowlist.corsHeaders { fail(location, "CORS headers are not exactly \(Allowlist.corsHeaders)") }
            options.cors = CORSPolicy()
            // The preflight is answered first: before gRPC's rewrite (which ends the rewrite
            // directives) and with nothing but return 204.
            if preflights.count != 1 || location.children.first?.description != Allowlist.corsPreflight
                || preflights[0].children.map(\.description) != ["return 204"]
            {
                fail(location, "a CORS proxy must answer a preflight with return 204, first and once")
            }
        } else if !preflights.isEmpty {
            fail(location, "a preflight answered by a proxy that adds no CORS headers")
        }
        options.auth = namedAuthentication(location, headers: headers)
        options.customErrors = namedCustomErrors(location, grpc: module == "grpc")
        if seen.contains("proxy_buffer_size") != seen.contains("proxy_buffers") {
            fail(location, "proxy_buffer_size and proxy_buffers come together")
        }
        options.rateLimit = rateLimit(location)
        checkHeaders(headers.filter { !Self.isAuthHeader($0) }, location, grpc: module == "grpc", ownHeaders: headers.contains(where: Self.isAuthHeader), into: &upstream)
        upstream.ssl = proxySSL(location, module: module, tls: upstream.backendProtocol == .https || upstream.backendProtocol == .grpcs)
        options.upstream = upstream.isDefault ? nil : upstream
        if location.children.filter({ $0.name == "proxy_pass" || $0.name == "grpc_pass" }).count != 1 {
            fail(location, "a named location must hold exactly one proxy_pass or grpc_pass")
        }
        // grpc_pass sends the URI as rewritten: by the routes (rewrite-target), else back to the client's.
        if module == "grpc", !seen.contains("rewrite") { options.rewriteTarget = "" }
        if !access.isEmpty {
            guard let rules = Self.sourceAccess(access) else {
                fail(location, "allow and deny are not a denylist, then an allowlist ending in deny all")
                return nil
            }
            options.access = rules
        }
        return options
    }

    /// A named location's own `proxy_set_header`s: none, or every header of the http context once
    /// (setting one drops the inherited ones), Host the client's or a validated name, and maybe
    /// `X-Forwarded-Prefix`.
    mutating func checkHeaders(
        _ headers: [ConfigDirective], _ location: ConfigDirective, grpc: Bool, ownHeaders: Bool = false, into upstream: inout UpstreamOptions
    ) {
        guard !headers.isEmpty || grpc || ownHeaders else { return }
        var values: [String: ConfigDirective] = [:]
        for d in headers {
            guard d.arguments.count == 2 else { continue }  // the allowlist has reported it
            // nginx compares header names without case.
            if values.updateValue(d, forKey: d.arguments[0].value.lowercased()) != nil {
                fail(d, "header \(d.arguments[0].value) twice in one location")
            }
        }
        for (name, value) in prediction.global.forwardedHeaders {
            let sent = values[name.lowercased()].map(args)
            if grpc && Allowlist.hopByHopHeaders.contains(name) {
                if sent != nil { fail(location, "sends \(name) to a gRPC backend: HTTP/2 has no such header") }
            } else if sent != [name, value] {
                fail(location, "sets headers of its own but not \(name) \(value), which the http context sends")
            }
        }
        if let host = values["host"] {
            if host.arguments[1].quoted { upstream.host = host.arguments[1].value }
            // upstream-vhost: the value each route sets (`action` reads it).
            if !host.arguments[1].quoted, host.arguments[1].value == "$portico_upstream_vhost" { upstream.host = "" }
        } else {
            fail(location, "sets headers of its own but no Host")
        }
        upstream.forwardedPrefix = values["x-forwarded-prefix"]?.arguments[1].value
        if upstream.host == nil && upstream.forwardedPrefix == nil && !grpc && !ownHeaders {
            fail(location, "repeats the http context's headers without a header of its own")
        }
    }

    /// `deny R`... then, for an allowlist, `allow R`... `deny all`: the shape the template writes.
    static func sourceAccess(_ rules: [(String, String)]) -> SourceAccess? {
        var rules = rules[...]
        var access = SourceAccess()
        if rules.last.map({ $0 == ("deny", "all") }) == true {
            rules.removeLast()
            access.allow = []
        }
        for (action, source) in rules {
            guard let range = SourceRange(Substring(source)), range.text == source else { return nil }
            if action == "deny" {
                guard access.allow?.isEmpty ?? true else { return nil }  // a deny after an allow
                access.deny.append(range)
            } else {
                guard access.allow != nil else { return nil }  // an allow with no `deny all` after it
                access.allow?.append(range)
            }
        }
        return access
    }

    /// One host's location: what each nested location routes, in the order nginx tries them, must
    /// add up to the host's Exact and Prefix rules.
    mutating func checkHost(_ host: ConfigDirective, key: String, _ expected: PredictedHost) {
        allow(
            host.children, "a host's location",
            simple: Allowlist.action.filter { !$0.pattern.contains("portico_cors") && !$0.pattern.contains("portico_auth") && !$0.pattern.contains("recursive") }
                + [Allowlist.wwwRedirect],
            blocks: Allowlist.hostBlocks,
            literals: hstsHeader, literalBlocks: redirectBlock)
        var exact: [String: RouteBody] = [:], prefix: [String: RouteBody] = [:]
        var regexes: [PredictedRegex] = []
        var order: [String] = []  // Prefix paths in the order nginx tries them
        var rootRoute: RouteBody?
        for location in host.children where location.block != nil && location.name == "location" {
            let a = args(location)
            if location.arguments.dropFirst(a.first == "~*" ? 2 : 0).contains(where: \.quoted) || location.arguments.first?.quoted == true {
                fail(location, "quoted location arguments")
            }
            guard let body = action(location, key: key, grouped: a.first == "~" && a.count == 2 && a[1].hasPrefix("^(?<")) else { continue }
            if rootRoute != nil { fail(location, "a location after the one for Prefix /, which takes every request") }
            switch a.first {
            case "=" where a.count == 2:
                guard let path = a[1].strippingPrefix("/" + key), Allowlist.pathLiteral.matches(path) else {
                    fail(location, "exact location \(a[1]) is not under /\(key)/")
                    continue
                }
                if exact.updateValue(body.routeBody, forKey: path) != nil { fail(location, "Exact \(path) twice") }
            case "~" where a.count == 2:
                guard let paths = regexPaths(a[1], key: key, location) else { continue }
                if paths == ["/"] {
                    rootRoute = body.routeBody
                    continue
                }
                for path in paths {
                    var route = body.routeBody
                    if body.fromMap {
                        if let upstream = routeUpstreams["/" + key + path], upstream.hasPrefix("$portico_canary_") {
                            guard let canary = canaryBody(upstream, options: body.options, location) else { continue }
                            route = canary
                        } else {
                            guard let upstream = routeUpstreams["/" + key + path], let u = Self.upstream(upstream) else {
                                fail(location, "route /\(key)\(path) has no entry in the route map")
                                continue
                            }
                            route = RouteBody(backend: .upstream(u), options: body.options)
                        }
                    }
                    if prefix.updateValue(route, forKey: path) != nil { fail(location, "Prefix \(path) twice") }
                    order.append(path)
                }
            case "~*" where a.count == 2:
                guard let path = regexRoute(a[1], key: key, location) else { continue }
                regexes.append(PredictedRegex(path: path, body: body.routeBody))
            default:
                fail(location, "location \(a.map(ConfigTree.quote)) is neither = nor ~ nor ~*")
            }
        }
        // Longest match: a path tried before another must never be a segment prefix of it.
        var tried = Set<String>()
        for later in order {
            var segmentPrefix = ""
            for segment in later.split(separator: "/").dropLast() {
                segmentPrefix += "/" + segment
                if tried.contains(segmentPrefix) {
                    fail(host, "host \(key): Prefix \(segmentPrefix) is tried before the longer \(later), which it hides")
                }
            }
            tried.insert(later)
        }
        let outer = action(host, key: key, grouped: false)
        if outer?.fromMap == true { fail(host, "host \(key): its own location cannot use the route map") }
        // The redirect, and HSTS on a default backend of a host with its own certificate, are the
        // host's own (the comparison with the table below checks them); nothing else is.
        if let outer, case let o = outer.routeBody.options, o != Self.hostsOwn(o) {
            fail(host, "host \(key): settings in its own location would apply to every route")
        }
        let otherwise = rootRoute ?? outer?.routeBody
        let actual = PredictedHost(
            exact: exact, prefix: prefix, regexes: regexes,
            otherwise: otherwise ?? RouteBody(backend: .unavailable(status: 0), options: ProxyOptions()),
            hsts: host.children.contains { $0.description == Allowlist.hstsHeader })
        if actual != expected {
            var differences: [String] = []
            for (p, b) in expected.exact where actual.exact[p] != b { differences.append("Exact \(p): \(actual.exact[p]?.description ?? "missing"), expected \(b)") }
            for (p, b) in actual.exact where expected.exact[p] == nil { differences.append("Exact \(p): \(b), not in the table") }
            for (p, b) in expected.prefix where actual.prefix[p] != b { differences.append("Prefix \(p): \(actual.prefix[p]?.description ?? "missing"), expected \(b)") }
            for (p, b) in actual.prefix where expected.prefix[p] == nil { differences.append("Prefix \(p): \(b), not in the table") }
            if actual.regexes != expected.regexes {
                differences.append("regexes in order: \(actual.regexes.map(\.description)), expected \(expected.regexes.map(\.description))")
            }
            if actual.otherwise != expected.otherwise { differences.append("other requests: \(actual.otherwise), expected \(expected.otherwise)") }
            if actual.hsts != expected.hsts { differences.append("Strict-Transport-Security \(actual.hsts ? "added" : "missing")") }
            fail(host, "host \(key): routes differ from the routing table: \(differences.sorted())")
        }
    }

    /// What a host's own location may carry of a route's settings: the redirect (with its slash)
    /// and Strict-Transport-Security.
    static func hostsOwn(_ o: ProxyOptions) -> ProxyOptions {
        var own = ProxyOptions(redirectsToHTTPS: o.redirectsToHTTPS, strictTransportSecurity: o.strictTransportSecurity)
        own.preservesTrailingSlash = o.preservesTrailingSlash
        return own
    }

    struct Action {
        var routeBody: RouteBody
        /// The upstream comes from the route map (`$portico_route_upstream`), the settings from
        /// the named location.
        var fromMap: Bool
        var options = ProxyOptions()
    }

    /// What a location's own directives do: hand the request to a named location with an upstream,
    /// or answer a status. Nil, with a problem, when they do not add up to one of those.
    mutating func action(_ location: ConfigDirective, key: String, grouped: Bool) -> Action? {
        let own = location.children.filter { $0.block == nil }
        if location.name == "location" && args(location).first != "/" + key + "/" {
            allow(
                location.children, "a route's location", simple: Allowlist.action + [Allowlist.limitKey] + Allowlist.errorValues,
                blocks: [Allowlist.corsOriginCondition, Allowlist.limitExemptCondition], literalBlocks: redirectBlock)
        }
        let redirects = checkRedirect(location)
        var redirectOnly = ProxyOptions(redirectsToHTTPS: redirects)
        redirectOnly.preservesTrailingSlash = location.children.contains {
            $0.description == Allowlist.redirectCondition && $0.children.map(\.description) == [Allowlist.redirectPreserved]
        }
        let cors = corsPolicy(location)
        var upstream: String?, status: Int?, proxy: String?, bodySize: String?, redirect: (status: Int, url: String)?
        var rewrite: String?, upstreamHost: String?
        var seen = Set<String>()
        for d in own {
            let a = args(d)
            let once = d.name == "set" || d.name == "add_header" ? d.name + " " + (args(d).first ?? "") : d.name
            if !seen.insert(once).inserted { fail(d, "\(once) twice in one location") }
            switch d.name {
            case "rewrite" where a.count == 2:
                // The route's own regex, caseless; before the hand-over (nginx runs them in order).
                let regex = args(location).count == 2 && args(location)[0] == "~*" ? args(location)[1] : nil
                if regex.map({ "(?i)" + $0 }) != a[0] { fail(d, "rewrite's regex is not its location's") }
                if seen.contains("return") || seen.contains("set $portico_upstream") { fail(d, "rewrite after the hand-over never runs") }
                rewrite = a[1]
            case "set" where a.count == 2 && a[0] == "$portico_upstream": upstream = a[1]
            case "set" where a.count == 2 && a[0] == "$portico_upstream_vhost":
                if seen.contains("set $portico_upstream") { fail(d, "sets the upstream's Host after the hand-over") }
                upstreamHost = a[1]
            case "return" where a.count == 1: status = Int(a[0])
            case "return" where a.count == 2: redirect = Int(a[0]).map { ($0, a[1]) }
            case "error_page" where a.count == 3 && a[0] == "418" && a[1] == "=": proxy = a[2]
            case "client_max_body_size": bodySize = a.first
            default: break  // the allowlist has reported it
            }
        }
        if let upstream {
            guard status == 418, let proxy, var options = proxies[proxy] else {
                fail(location, "sets an upstream but does not hand over to a named location with return 418")
                return nil
            }
            if bodySize != options.maxBodySize {
                fail(location, "client_max_body_size \(bodySize ?? "unset") differs from \(proxy)'s \(options.maxBodySize ?? "unset")")
            }
            options.redirectsToHTTPS = redirects
            options.preservesTrailingSlash = redirectOnly.preservesTrailingSlash
            // A rewritten route hands over to a proxy that sends the rewritten path, and only one does.
            if (options.rewriteTarget != nil) != (rewrite != nil) {
                fail(location, rewrite == nil ? "\(proxy) sends a rewritten path but nothing rewrites it" : "rewrites, but \(proxy) sends the original request")
            }
            options.rewriteTarget = rewrite
            // A route whose proxy sends the route's Host sets it, and only such a route does.
            if (options.upstream?.host == "") != (upstreamHost != nil) {
                fail(location, upstreamHost == nil ? "\(proxy) sends the Host its routes set but the route sets none" : "sets a Host, but \(proxy) does not send it")
            }
            if let upstreamHost, options.upstream?.host == "" { options.upstream?.host = upstreamHost }
            // A CORS route hands over to a proxy that adds the headers, and only one does.
            if (options.cors != nil) != (cors != nil) {
                fail(location, cors == nil ? "\(proxy) adds CORS headers but the route sets no values" : "sets CORS values, but \(proxy) adds no headers")
            }
            options.cors = cors
            // An authenticated route sets what its proxy authenticates with, and only such a route does.
            let auth = routeAuthentication(location, proxy: options.auth, errorPages: options.customErrors != nil)
            if Self.shared(auth) != options.auth {
                fail(location, auth == nil ? "\(proxy) authenticates but the route sets no values" : "authenticates otherwise than \(proxy)")
            }
            options.auth = auth
            options.customErrors = routeCustomErrors(location, proxy: options.customErrors, proxies: true)
            // A route limited in zones sets the key they count by, and only such a route does.
            let limit = routeLimit(location)
            if (options.rateLimit?.usesZones == true) != (limit != nil) {
                fail(location, limit == nil ? "\(proxy) limits requests but the route sets no key" : "sets a limit key, but \(proxy) limits nothing")
            }
            if let limit, options.rateLimit != nil {
                options.rateLimit?.id = limit.id
                options.rateLimit?.exempt = limit.exempt
            }
            if upstream == "$portico_route_upstream" {
                guard grouped else {
                    fail(location, "uses the route map without capturing portico_route")
                    return nil
                }
                return Action(routeBody: RouteBody(backend: .unavailable(status: 0), options: options), fromMap: true, options: options)
            }
            if grouped { fail(location, "captures portico_route but sets a fixed upstream") }
            if upstream.hasPrefix("$portico_canary_") {
                guard let body = canaryBody(upstream, options: options, location) else { return nil }
                return Action(routeBody: body, fromMap: false)
            }
            guard prediction.upstreamAddresses.contains(upstream), let u = Self.upstream(upstream) else {
                fail(location, "sets $portico_upstream to \(ConfigTree.quote(upstream)), which is not an upstream of the table")
                return nil
            }
            return Action(routeBody: RouteBody(backend: .upstream(u), options: options), fromMap: false)
        }
        if rewrite != nil { fail(location, "rewrites but does not proxy") }
        if upstreamHost != nil { fail(location, "sets the upstream's Host but does not proxy") }
        if routeLimit(location) != nil { fail(location, "sets a limit key but does not proxy") }
        if cors != nil { fail(location, "CORS on a route that does not proxy") }
        if routeAuthentication(location, proxy: nil) != nil { fail(location, "authentication on a route that does not proxy") }
        if let redirect {
            guard status == nil, proxy == nil, bodySize == nil else {
                fail(location, "redirects and also proxies or answers a status")
                return nil
            }
            return Action(
                routeBody: RouteBody(
                    backend: .redirect(status: redirect.status, url: redirect.url), options: redirectOnly),
                fromMap: false)
        }
        guard let status, status != 418, proxy == nil, bodySize == nil else {
            fail(location, "neither proxies nor answers a status")
            return nil
        }
        redirectOnly.customErrors = routeCustomErrors(location, proxy: nil, proxies: false)
        if redirectOnly.customErrors != nil, status != 503 { fail(location, "sends \(status) to the default backend: only a missing Service's 503 goes there") }
        return Action(
            routeBody: RouteBody(backend: .unavailable(status: status), options: redirectOnly), fromMap: false)
    }

    /// The lines only HTTPS allows; none without it.
    var hstsHeader: [String] { prediction.https == nil ? [] : [Allowlist.hstsHeader] }
    var redirectBlock: [String] { prediction.https == nil ? [] : [Allowlist.redirectCondition] }

    /// Whether a location redirects plain HTTP: its `if` must be its first rewrite directive (nginx
    /// runs them in order) and must do nothing but the redirect.
    mutating func checkRedirect(_ location: ConfigDirective) -> Bool {
        let ifs = location.children.filter {
            $0.name == "if" && !$0.description.hasPrefix(Allowlist.corsPreflight) && !$0.description.hasPrefix("if ($http_origin")
                && !Allowlist.limitExemptCondition.matches($0.description)
        }
        guard let first = ifs.first else { return false }
        if ifs.count > 1 { fail(location, "\(ifs.count) if blocks in one location") }
        for block in ifs
        where block.description != Allowlist.redirectCondition
            || ![[Allowlist.redirect], [Allowlist.redirectPreserved]].contains(block.children.map(\.description))
            || block.children.contains(where: { $0.block != nil })
        {
            fail(block, "\(ConfigTree.quote(block.description)) does more than \(Allowlist.redirect)")
        }
        let ordered = location.children.filter { $0.name != "location" && $0.name != "add_header" }
        if ordered.first != first {
            fail(first, "the redirect to HTTPS is not the first thing the location does")
        }
        return true
    }

    /// A route's CORS policy, read back: the policy it sets `$portico_cors` to for any origin, or in
    /// one `if` on the `Origin` header for the origins its regex names (nothing else in that `if`).
    /// Nil when the route sets none.
    mutating func corsPolicy(_ location: ConfigDirective) -> CORSPolicy? {
        let children = location.children
        let sets = children.filter { $0.name == "set" && args($0).first?.hasPrefix("$portico_cors") == true }
        let origins = children.filter { $0.name == "if" && $0.description.hasPrefix("if ($http_origin") }
        guard !(sets.isEmpty && origins.isEmpty) else { return nil }
        let value: ConfigDirective
        var policy = CORSPolicy(origins: [])
        switch (sets.count, origins.count) {
        case (1, 0):
            value = sets[0]
            policy.origins = ["*"]
        case (0, 1):
            let block = origins[0]
            let a = args(block)
            guard a.count == 4, let list = Self.corsOrigins(a[2]) else {
                fail(block, "\(ConfigTree.quote(block.description)) is not a check of the Origin header against listed origins")
                return nil
            }
            guard block.children.count == 1, block.children[0].block == nil, Allowlist.corsValue.matches(block.children[0].description) else {
                fail(block, "an allowed origin must set $portico_cors to a policy, and nothing else")
                return nil
            }
            value = block.children[0]
            policy.origins = list
        default:
            fail(location, "$portico_cors set more than once, or both for any origin and for listed ones")
            return nil
        }
        // *|CREDENTIALS|METHODS|HEADERS|EXPOSE|MAX-AGE, as DataPlane.corsPolicyValue writes it.
        let fields = args(value).dropFirst().first?.split(separator: "|", omittingEmptySubsequences: false).map(String.init) ?? []
        guard args(value).count == 2, args(value)[0] == "$portico_cors", fields.count == 6, let maxAge = Int(fields[5]) else {
            fail(value, "\(ConfigTree.quote(value.description)) is not a CORS policy")
            return nil
        }
        // Any origin is answered "*", a listed one as sent: a policy of the other kind would widen it.
        if (fields[0] == "*") != (policy.origins == ["*"]) {
            fail(value, fields[0] == "*" ? "answers listed origins with *" : "answers every origin as sent")
            return nil
        }
        policy.credentials = fields[1] == "true"
        policy.methods = fields[2]
        policy.headers = fields[3]
        policy.exposeHeaders = fields[4].isEmpty ? nil : fields[4]
        policy.maxAge = maxAge
        return policy
    }

    /// The origins of `^(?:A|B)$`, each an escaped origin with `[A-Za-z0-9-]+\.` for `*.`; nil when
    /// the regex is anything else.
    static func corsOrigins(_ regex: String) -> [String]? {
        guard let body = regex.strippingPrefix("^(?:")?.strippingSuffix(")$") else { return nil }
        var origins: [String] = []
        for alternative in body.split(separator: "|", omittingEmptySubsequences: false) {
            let wildcard = #"[A-Za-z0-9-]+\."#
            let parts = alternative.split(separator: wildcard, omittingEmptySubsequences: false)
            guard parts.count <= 2, let literals = parts.map({ unescaped(String($0), separator: nil)?.first ?? "\u{0}" }) as [String]?,
                !literals.contains("\u{0}")
            else { return nil }
            let origin = literals.joined(separator: "*.")
            guard CORSPolicy.isOrigin(origin) else { return nil }
            origins.append(origin)
        }
        return origins
    }

    static func upstream(_ address: String) -> Upstream? {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        return Upstream(host: String(parts[0]), port: port)
    }

    /// The Prefix paths a route regex matches (`["/"]` for the host's every path), read back from
    /// its text and confirmed with PCRE on the paths it must and must not match.
    mutating func regexPaths(_ regex: String, key: String, _ location: ConfigDirective) -> [String]? {
        let host = Self.escaped("/" + key)
        var paths: [String]
        if regex == "^" + host + "/" {
            paths = ["/"]
        } else if let body = regex.strippingPrefix("^(?<portico_route>" + host + "(?:")?.strippingSuffix("))(?:/|$)") {
            guard let alternatives = Self.unescaped(body, separator: "|"), alternatives.count > 1 else {
                fail(location, "regex \(regex): alternatives are not escaped paths")
                return nil
            }
            paths = alternatives
        } else if let body = regex.strippingPrefix("^" + host)?.strippingSuffix("(?:/|$)"), let path = Self.unescaped(body, separator: nil)?.first {
            paths = [path]
        } else {
            fail(location, "regex \(regex) is not a route of host \(key)")
            return nil
        }
        guard paths.allSatisfy({ Allowlist.pathLiteral.matches($0) && ($0 == "/" || !$0.hasSuffix("/")) }) else {
            fail(location, "regex \(regex) matches paths that are not validated Prefix paths")
            return nil
        }
        guard let pcre = try? PCRE(regex) else {
            fail(location, "regex \(regex) does not compile")
            return nil
        }
        // Which route takes a URI: the regex's capture when it has one (of the alternatives, the
        // first that matches), else the regex's only path.
        func taker(_ uri: String) -> String? {
            guard let m = pcre.firstMatch(uri) else { return nil }
            return paths.count > 1 ? (m.count > 1 ? m[1] : "") : "/" + key + paths[0]
        }
        for path in paths where path != "/" {
            let full = "/" + key + path
            if taker(full) != full || taker(full + "/") != full || taker(full + "/x") != full || taker(full + "x") == full
                || taker("/" + key + "x" + path) != nil
            {
                fail(location, "regex \(regex) does not match Prefix \(path) segment by segment")
                return nil
            }
        }
        if paths == ["/"], !pcre.matches("/" + key + "/") || pcre.matches("/" + key + "x/") {
            fail(location, "regex \(regex) does not match exactly host \(key)'s paths")
            return nil
        }
        return paths
    }

    /// The regex of a route on a host matched as ingress-nginx does: `^/KEY(?:REGEX)`, REGEX a
    /// validated regex path that compiles on its own (so the group around it holds all of it).
    mutating func regexRoute(_ pattern: String, key: String, _ location: ConfigDirective) -> String? {
        guard let path = pattern.strippingPrefix("^" + Self.escaped("/" + key) + "(?:")?.strippingSuffix(")"),
            Allowlist.regexPath.matches(path), (try? PCRE(path)) != nil, (try? PCRE(pattern, caseless: true)) != nil
        else {
            fail(location, "regex \(pattern) is not ^/\(key)(?:REGEX) with a validated regex path")
            return nil
        }
        return path
    }

    static func escaped(_ literal: String) -> String {
        var out = ""
        for c in literal {
            if Self.metacharacters.contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }

    static let metacharacters: Set<Character> = [".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "^", "$", "\\"]

    /// The literals of an escaped regex, split at unescaped `separator`s; nil when a metacharacter
    /// is not escaped (it would match more than the literal).
    static func unescaped(_ text: String, separator: Character?) -> [String]? {
        var parts: [String] = [], current = "", escaping = false
        for c in text {
            if escaping {
                guard metacharacters.contains(c) else { return nil }
                current.append(c)
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else if c == separator {
                parts.append(current)
                current = ""
            } else if metacharacters.contains(c) {
                return nil
            } else {
                current.append(c)
            }
        }
        guard !escaping else { return nil }
        parts.append(current)
        return parts
    }
}

extension String {
    fileprivate func strippingPrefix(_ p: String) -> String? { hasPrefix(p) ? String(dropFirst(p.count)) : nil }
    fileprivate func strippingSuffix(_ s: String) -> String? { hasSuffix(s) ? String(dropLast(s.count)) : nil }
}

import PorticoPCRE
import PorticoRender
import PorticoRouting

/// What TLS passthrough must put in a config, from the routing table and the options alone: the
/// HTTPS port's stream server that reads SNI and sends a PROXY header, the map from each passed
/// through name to its Service (every other name to Portico's own HTTPS on loopback), the relay
/// that takes the header off for those Services, and in `http` the client's address trusted from
/// that loopback source only and a 421 for a passed-through name asked for on another's connection.
package struct PredictedPassthrough: Sendable, Equatable {
    /// Name → `service:port`.
    var hosts: [String: String]
    /// The HTTPS port's listen lines.
    var listen: [String]
    var termination: String
    var relay: String
    var source: String

    /// Nil when the config has nothing of passthrough (none passed through, or it is off).
    init?(table: RoutingTable, options: RenderOptions, addresses: (Int) -> [String]) {
        guard !table.passthrough.isEmpty, let https = options.httpsPort, let ports = options.sslPassthrough else { return nil }
        hosts = Dictionary(table.passthrough.map { ($0.host.name, "\($0.upstream.host):\($0.upstream.port)") }) { a, _ in a }
        listen = addresses(https)
        source = "127.0.0.1"
        termination = "\(source):\(ports.termination)"
        relay = "\(source):\(ports.relay)"
    }

    static let upstreamMap = "$ssl_preread_server_name $portico_passthrough_upstream"
    static let nextMap = "$portico_passthrough_upstream $portico_passthrough_next"
    static let misdirectedMap = "$scheme:$host $portico_passthrough_misdirected"
    static let misdirected = "if ($portico_passthrough_misdirected)"
}

extension Allowlist {
    static let passthroughHTTPBlocks = patterns([#"^map "\$scheme:\$host" \$portico_passthrough_misdirected$"#])
    static let passthroughStream = patterns([#"^map_hash_(max|bucket)_size \d{1,9}$"#])
    static let passthroughStreamBlocks = patterns([
        #"^map \$ssl_preread_server_name \$portico_passthrough_upstream$"#,
        #"^map \$portico_passthrough_upstream \$portico_passthrough_next$"#,
    ])
    static let passthroughServerBlocks = patterns([#"^if \(\$portico_passthrough_misdirected\)$"#])
    static let passthroughListen = pattern(#"^listen 127\.0\.0\.1:\d{1,5} proxy_protocol ssl http2 default_server$"#)
    static let passthroughUpstream = pattern(#"^[a-z0-9.-]{1,253}:\d{1,5}$"#)
}

extension CheckRun {
    var passthrough: PredictedPassthrough? { prediction.streams.passthrough }

    /// In `http`: `set_real_ip_from` the loopback source and nothing else, `real_ip_header
    /// proxy_protocol`, and the map of passed-through names that the server answers 421 for.
    mutating func checkPassthroughHTTP(_ http: ConfigDirective, _ maps: [String: ConfigDirective]) {
        // Without passthrough the real_ip lines are the ConfigMap's (checkGlobal).
        let lines =
            passthrough == nil
            ? [] : http.children.filter { ["set_real_ip_from", "real_ip_header", "real_ip_recursive"].contains($0.name) }.map(\.description)
        let expected = passthrough.map { ["set_real_ip_from \($0.source)", "real_ip_header proxy_protocol"] } ?? []
        if lines != expected { fail(http, "real_ip in http is \(lines), expected \(expected)") }
        let map = maps[PredictedPassthrough.misdirectedMap]
        guard let passthrough else {
            if let map { fail(map, "map \(PredictedPassthrough.misdirectedMap) without TLS passthrough") }
            return
        }
        guard let map else {
            fail(http, "no map \(PredictedPassthrough.misdirectedMap)")
            return
        }
        var names: Set<String> = []
        for entry in mapEntries(map, default: "0") {
            let a = args(entry)
            guard a.count == 2, a[1] == "1", a[0].hasPrefix("https:"), Allowlist.hostName.matches(String(a[0].dropFirst(6))) else {
                fail(entry, "\(ConfigTree.quote(entry.description)) is not \"https:NAME\" 1")
                continue
            }
            names.insert(String(a[0].dropFirst(6)))
        }
        if names != Set(passthrough.hosts.keys) {
            fail(map, "421 for \(names.sorted()), expected the passed-through hosts \(passthrough.hosts.keys.sorted())")
        }
    }

    /// In the main server: the 421, before the rewrite, exactly when hosts are passed through.
    mutating func checkPassthroughServer(_ server: ConfigDirective) {
        let conditions = server.children.filter { $0.name == "if" }
        let expected = passthrough == nil ? 0 : 1
        guard conditions.count == expected else {
            fail(server, "\(conditions.count) passthrough conditions in the server, expected \(expected)")
            return
        }
        guard let condition = conditions.first else { return }
        if condition.description != PredictedPassthrough.misdirected || condition.children.map(\.description) != ["return 421"] {
            fail(condition, "\(ConfigTree.quote(condition.description)) must only return 421")
        }
        if let rewrite = server.children.firstIndex(where: { $0.name == "rewrite" }),
            let index = server.children.firstIndex(where: { $0.name == "if" }), index > rewrite
        {
            fail(condition, "the passthrough condition comes after the rewrite")
        }
    }

    /// In `stream`: the maps and the two servers, exactly as predicted.
    mutating func checkPassthroughStream(_ stream: ConfigDirective, servers: [ConfigDirective]) {
        guard let expected = passthrough else {
            for server in servers { fail(server, "a stream server reading SNI without TLS passthrough") }
            return
        }
        for name in ["map_hash_max_size", "map_hash_bucket_size"] { expectOnce(stream.children, name, in: "stream") }
        var maps: [String: ConfigDirective] = [:]
        for map in stream.children where map.name == "map" {
            let key = args(map).joined(separator: " ")
            if maps.updateValue(map, forKey: key) != nil { fail(map, "map \(key) twice") }
        }
        if let map = maps[PredictedPassthrough.upstreamMap] {
            checkNameMap(map, values: Allowlist.passthroughUpstream, what: "passthrough host", shape: "NAME SERVICE:PORT", expected: expected.hosts)
        } else {
            fail(stream, "no map \(PredictedPassthrough.upstreamMap)")
        }
        let next = ["\"\" \(expected.termination)", "default \(expected.relay)"]
        if let map = maps[PredictedPassthrough.nextMap] {
            if map.children.map(\.description) != next { fail(map, "map \(PredictedPassthrough.nextMap) is not \(next)") }
        } else {
            fail(stream, "no map \(PredictedPassthrough.nextMap)")
        }
        let outer = expected.listen.map { "listen \($0)" } + ["ssl_preread on", "proxy_protocol on", "proxy_pass $portico_passthrough_next"]
        let relay = ["listen \(expected.relay) proxy_protocol", "ssl_preread on", "proxy_pass $portico_passthrough_upstream"]
        var found = (outer: 0, relay: 0)
        for server in servers {
            let lines = server.children.map(\.description)
            if lines == outer {
                found.outer += 1
            } else if lines == relay {
                found.relay += 1
            } else {
                fail(server, "passthrough server \(lines) is neither \(outer) nor \(relay)")
            }
        }
        if found.outer != 1 || found.relay != 1 {
            fail(stream, "\(found.outer) passthrough listeners on the HTTPS port and \(found.relay) relays, expected one of each")
        }
    }

    /// A map of names to values (`NAME VALUE`, nothing quoted, default `""`): each name once, each
    /// value of its shape, and exactly the expected pairs.
    mutating func checkNameMap(_ map: ConfigDirective, values: PCRE, what: String, shape: String, expected: [String: String]) {
        var found: [String: String] = [:]
        for entry in mapEntries(map, default: "\"\"") {
            let a = args(entry)
            guard a.count == 2, Allowlist.hostName.matches(a[0]), values.matches(a[1]), !entry.arguments.contains(where: \.quoted) else {
                fail(entry, "\(what) entry \(ConfigTree.quote(entry.description)) is not \(shape)")
                continue
            }
            if found.updateValue(a[1], forKey: a[0]) != nil { fail(entry, "\(what) \(a[0]) twice") }
        }
        if found != expected {
            let pairs = Set(found.map { "\($0.key) -> \($0.value)" }), wanted = Set(expected.map { "\($0.key) -> \($0.value)" })
            fail(map, "\(what)s differ: unexpected \(pairs.subtracting(wanted).sorted()), missing \(wanted.subtracting(pairs).sorted())")
        }
    }
}

import PorticoPCRE
import PorticoRender
import PorticoRouting

/// What the `stream {}` part of a config must hold, from the routing table alone: per protocol
/// and port, the listen lines, the idle timeout, PROXY protocol each way, and where connections go.
package struct PredictedStreams: Sendable, Equatable {
    package struct Server: Sendable, Equatable {
        var listen: [String]
        var timeout: String
        var udp: Bool
        var sendsProxyProtocol: Bool
        /// The client address of the incoming PROXY header is the one passed on.
        var realIP: Bool
        /// `name:port` resolved at connection time, or nil for a balanced group.
        var resolved: String?
        /// The group's `server` lines, as nginx reads them.
        var members: [String]?
    }

    package var servers: [String: Server] = [:]
    /// The `load_module` argument, nil: none.
    package var module: String?
    package var resolvers: [String]
    /// TLS passthrough's part (`ConfigChecker+Passthrough.swift`).
    package var passthrough: PredictedPassthrough?
    /// Whether the config has a `stream` block.
    package var block: Bool { !servers.isEmpty || passthrough != nil }

    package init(table: RoutingTable, options: RenderOptions) {
        resolvers = options.resolvers
        func addresses(_ port: Int) -> [String] {
            if let bind = options.bindAddress { return [bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"] }
            return options.listenIPv6 ? ["\(port)", "[::]:\(port)"] : ["\(port)"]
        }
        passthrough = PredictedPassthrough(table: table, options: options, addresses: addresses)
        guard !table.streams.isEmpty || passthrough != nil else { return }
        module = options.streamModule.isEmpty ? nil : options.streamModule
        for s in table.streams {
            let udp = s.transport == .udp
            let flags = udp ? " udp" : s.acceptsProxyProtocol ? " proxy_protocol" : ""
            var server = Server(
                listen: addresses(s.port).map { $0 + flags }, timeout: udp ? "10s" : "600s", udp: udp,
                sendsProxyProtocol: s.sendsProxyProtocol, realIP: s.sendsProxyProtocol && s.acceptsProxyProtocol)
            switch s.target {
            case .resolved(let upstream): server.resolved = "\(upstream.host):\(upstream.port)"
            case .group(let members):
                server.members = members.map { m in
                    "\(m.address):\(m.port)" + (m.weight.map { " weight=\($0)" } ?? "") + " max_fails=3 fail_timeout=10s"
                }
            }
            servers["\(udp ? "udp" : "tcp") \(s.port)"] = server
        }
    }
}

extension Allowlist {
    static let streamMain = patterns([#"^load_module /[A-Za-z0-9/._-]{1,1024}$"#])
    static let streamBlocks = patterns([#"^stream$"#])
    static let stream = patterns([
        #"^resolver [0-9a-zA-Z.:\[\]-]+( [0-9a-zA-Z.:\[\]-]+)* valid=10s$"#, #"^resolver_timeout 5s$"#,
        #"^proxy_connect_timeout 5s$"#,
    ])
    static let streamServerBlocks = patterns([#"^upstream portico_stream_(tcp|udp)_\d{1,5}$"#, #"^server$"#])
    static let streamServer = patterns([
        #"^listen (\d{1,5}|\[::\]:\d{1,5}|[0-9.]{7,15}:\d{1,5}|\[[0-9a-fA-F:.]{2,45}\]:\d{1,5})( udp| proxy_protocol)?$"#,
        #"^proxy_timeout (600s|10s)$"#, #"^proxy_responses 1$"#, #"^proxy_half_close on$"#, #"^proxy_protocol on$"#, #"^set_real_ip_from (0\.0\.0\.0|::)/0$"#,
        #"^set \$portico_stream_upstream [a-z0-9.-]{1,253}:\d{1,5}$"#,
        #"^proxy_pass (\$portico_stream_upstream|portico_stream_(tcp|udp)_\d{1,5})$"#,
    ])
    static let streamMember = pattern(
        #"^server ([0-9.]{7,15}|\[[0-9a-f:]{2,39}\]):\d{1,5}( weight=\d{1,4})? max_fails=3 fail_timeout=10s$"#)
}

extension CheckRun {
    /// `load_module` (before `events`, exactly when there are streams) and the `stream` block: its
    /// settings, each server as predicted, each balanced group as its server's.
    mutating func checkStreams(_ tree: [ConfigDirective]) {
        let expected = prediction.streams
        let modules = tree.filter { $0.name == "load_module" }
        if modules.map(args) != (expected.module.map { [[$0]] } ?? []) {
            fail(modules.first, "load_module \(modules.map(args)), expected \(expected.module ?? "none")")
        }
        if let module = tree.firstIndex(where: { $0.name == "load_module" }), let events = tree.firstIndex(where: { $0.name == "events" }),
            module > events
        {
            fail(tree[module], "load_module after events")
        }
        let blocks = tree.filter { $0.name == "stream" }
        guard blocks.count == (expected.block ? 1 : 0) else {
            fail(blocks.first, "\(blocks.count) stream blocks, expected \(expected.block ? 1 : 0)")
            return
        }
        guard let stream = blocks.first else { return }
        let passes = expected.passthrough != nil
        allow(
            stream.children, "stream", simple: Allowlist.stream + (passes ? Allowlist.passthroughStream : []),
            blocks: Allowlist.streamServerBlocks + (passes ? Allowlist.passthroughStreamBlocks : []))
        let resolvers = stream.children.filter { $0.name == "resolver" }.map(args)
        if resolvers != [expected.resolvers + ["valid=10s"]] { fail(stream, "stream resolver \(resolvers), expected \(expected.resolvers)") }
        for name in ["resolver_timeout", "proxy_connect_timeout"] { expectOnce(stream.children, name, in: "stream") }

        var groups: [String: [String]] = [:]
        for upstream in stream.children where upstream.name == "upstream" {
            let name = args(upstream).first ?? ""
            for member in upstream.children where member.block != nil || !Allowlist.streamMember.matches(member.description) {
                fail(member, "\(ConfigTree.quote(member.description)) is not a stream upstream member")
            }
            if groups.updateValue(upstream.children.map { args($0).joined(separator: " ") }, forKey: name) != nil {
                fail(upstream, "upstream \(name) twice")
            }
        }
        var seen: Set<String> = []
        var groupsUsed: Set<String> = []
        var passthroughServers: [ConfigDirective] = []
        for server in stream.children where server.name == "server" {
            if server.children.contains(where: { $0.name == "ssl_preread" }) {
                passthroughServers.append(server)
                continue
            }
            allow(server.children, "a stream server", simple: Allowlist.streamServer, blocks: [])
            guard let key = streamKey(server), let predicted = expected.servers[key] else {
                fail(server, "a stream server no TCP or UDP service asked for")
                continue
            }
            if !seen.insert(key).inserted { fail(server, "stream server \(key) twice") }
            check(server, predicted, key: key, groups: groups, used: &groupsUsed)
        }
        checkPassthroughStream(stream, servers: passthroughServers)
        for key in Set(expected.servers.keys).subtracting(seen).sorted() { fail(stream, "no stream server for \(key)") }
        for name in Set(groups.keys).subtracting(groupsUsed).sorted() { fail(stream, "upstream \(name) that no server uses") }
    }

    /// `tcp 2222` from a server's first listen line.
    func streamKey(_ server: ConfigDirective) -> String? {
        guard let listen = server.children.first(where: { $0.name == "listen" }), let address = args(listen).first,
            let port = address.split(separator: ":").last
        else { return nil }
        return "\(args(listen).contains("udp") ? "udp" : "tcp") \(port)"
    }

    mutating func check(
        _ server: ConfigDirective, _ predicted: PredictedStreams.Server, key: String, groups: [String: [String]], used: inout Set<String>
    ) {
        let lines = server.children
        func values(_ name: String) -> [String] { lines.filter { $0.name == name }.map { args($0).joined(separator: " ") } }
        if values("listen") != predicted.listen { fail(server, "\(key) listens on \(values("listen")), expected \(predicted.listen)") }
        if values("proxy_timeout") != [predicted.timeout] { fail(server, "\(key) proxy_timeout \(values("proxy_timeout"))") }
        if values("proxy_responses") != (predicted.udp ? ["1"] : []) { fail(server, "\(key) proxy_responses \(values("proxy_responses"))") }
        if values("proxy_half_close") != (predicted.udp ? [] : ["on"]) { fail(server, "\(key) proxy_half_close \(values("proxy_half_close"))") }
        if values("proxy_protocol") != (predicted.sendsProxyProtocol ? ["on"] : []) {
            fail(server, "\(key) proxy_protocol \(values("proxy_protocol"))")
        }
        if values("set_real_ip_from") != (predicted.realIP ? ["0.0.0.0/0", "::/0"] : []) {
            fail(server, "\(key) set_real_ip_from \(values("set_real_ip_from"))")
        }
        let passes = values("proxy_pass"), sets = values("set")
        if let resolved = predicted.resolved {
            if passes != ["$portico_stream_upstream"] || sets != ["$portico_stream_upstream \(resolved)"] {
                fail(server, "\(key) proxies to \(passes) with \(sets), expected \(resolved)")
            }
            return
        }
        let name = "portico_stream_" + key.split(separator: " ").joined(separator: "_")
        guard passes == [name], sets.isEmpty else {
            fail(server, "\(key) proxies to \(passes) with \(sets), expected upstream \(name)")
            return
        }
        used.insert(name)
        if groups[name] != predicted.members { fail(server, "upstream \(name) is \(groups[name] ?? []), expected \(predicted.members ?? [])") }
    }
}

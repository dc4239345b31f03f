import PorticoRouting
import Testing

@testable import PorticoRender

/// How one host's rules become nested locations: the grouping rules that make the shape small,
/// and the exceptions that keep it correct.
@Suite struct DataPlaneTests {
    static let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")

    static func prefix(_ path: String, _ svc: String = "web", options: ProxyOptions = ProxyOptions()) -> Location {
        Location(
            path: path, match: .prefix, backend: .upstream(Upstream(host: "\(svc).default.svc.cluster.local", port: 80)),
            options: options, source: ref, field: "spec.rules[0].http.paths[0]")
    }

    static func block(_ locations: [Location], fallback: Backend? = nil) -> DataPlane.HostBlock {
        let table = RoutingTable(virtualHosts: [VirtualHost(host: Host("a.test")!, locations: locations, fallback: fallback)])
        var names: [ProxyOptions: String] = [:]
        for p in DataPlane.proxies(table) { names[p.options] = p.name }
        return DataPlane.hostBlock(key: "a.test", locations: locations, fallback: fallback, proxies: names)
    }

    /// nginx reads bytes: a quote that is one Character with the combining mark after it is still
    /// a quote to nginx, and is escaped.
    @Test func quotingEscapesByByte() {
        #expect(DataPlane.quoted("plain") == "\"plain\"")
        #expect(DataPlane.quoted("a\\b\"c") == #""a\\b\"c""#)
        #expect(DataPlane.quoted("x\"\u{301}; return 200") == "\"x\\\"\u{301}; return 200\"")
    }

    /// A `*.` in an origin stands for one label; everything else is literal.
    @Test func corsOriginRegexEscapesAndWidensOneLabel() {
        #expect(DataPlane.corsOriginRegex(["https://a.example", "http://*.b.example:8080"])
            == #"^(?:https://a\.example|http://[A-Za-z0-9-]+\.b\.example:8080)$"#)
    }

    @Test func defaultRoutesShareOneRegexLongestFirst() {
        let b = Self.block([Self.prefix("/a"), Self.prefix("/a/b", "deep"), Self.prefix("/c.d")])
        #expect(b.routes.map(\.location) == [#"~ ^(?<portico_route>/a\.test(?:/a/b|/c\.d|/a))(?:/|$)"#])
        #expect(b.mapEntries.map(\.key) == ["/a.test/a/b", "/a.test/c.d", "/a.test/a"])
        #expect(b.mapEntries[0].upstream == "deep.default.svc.cluster.local:80")
        #expect(b.fallback == .status(404))
    }

    @Test func pathsEqualButForCaseAreNeverMapKeys() {
        let b = Self.block([Self.prefix("/Case", "upper"), Self.prefix("/case", "lower"), Self.prefix("/xx1"), Self.prefix("/xx2")])
        #expect(!b.mapEntries.contains { $0.key.lowercased() == "/a.test/case" })
        #expect(b.routes.filter { $0.location.hasPrefix("~ ^/a\\.test/") }.count == 2)
        #expect(b.mapEntries.map(\.key).sorted() == ["/a.test/xx1", "/a.test/xx2"])
    }

    @Test func settingsMissingServicesAndLongPathsSplitGroups() {
        let slow = ProxyOptions(readTimeoutSeconds: 30)
        let long = "/" + String(repeating: "x", count: 300)
        var routes = [Self.prefix("/aaaa"), Self.prefix("/bbb", options: slow), Self.prefix("/ccc", options: slow), Self.prefix("/dd"), Self.prefix(long)]
        routes.append(Location(path: "/ee", match: .prefix, backend: .unavailable(status: 503), source: Self.ref, field: "f"))
        routes.append(Self.prefix("/f"))
        let b = Self.block(routes)
        #expect(b.routes.map(\.location) == [
            "~ ^/a\\.test/" + String(repeating: "x", count: 300) + "(?:/|$)",
            #"~ ^/a\.test/aaaa(?:/|$)"#,
            #"~ ^(?<portico_route>/a\.test(?:/bbb|/ccc))(?:/|$)"#,
            #"~ ^/a\.test/dd(?:/|$)"#, #"~ ^/a\.test/ee(?:/|$)"#, #"~ ^/a\.test/f(?:/|$)"#,
        ])
        #expect(b.routes[4].action == .status(503))
        guard case .proxy(let upstream, let proxy, _) = b.routes[2].action else {
            Issue.record("\(b.routes[2].action)")
            return
        }
        #expect(upstream == "$portico_route_upstream" && proxy == DataPlane.proxyName(slow) && proxy != "@portico_proxy")
    }

    @Test func atMostSixteenPathsShareARegex() {
        let b = Self.block((0..<40).map { Self.prefix("/p\($0)") })
        #expect(b.routes.count == 3)
        #expect(b.mapEntries.count == 40)
    }

    /// Settings on `Prefix /` would be inherited by every nested location if written on the host's own.
    @Test func prefixRootWithSettingsIsTheLastNestedLocation() {
        let small = ProxyOptions(maxBodySize: "1k")
        let b = Self.block([Self.prefix("/", "root", options: small), Self.prefix("/x")])
        #expect(b.routes.map(\.location) == [#"~ ^/a\.test/x(?:/|$)"#, #"~ ^/a\.test/"#])
        #expect(b.fallback == .status(404))
        let plain = Self.block([Self.prefix("/", "root"), Self.prefix("/x")], fallback: nil)
        #expect(plain.routes.count == 1)
        #expect(plain.fallback == .proxy(upstream: "root.default.svc.cluster.local:80", proxy: "@portico_proxy", bodySize: nil))
    }

    @Test func staticLocationsInNginxOrderAndStableProxyNames() {
        #expect(DataPlane.nginxPrecedes("/a/b", "/a-b"))  // `/` sorts below every other byte
        #expect(DataPlane.nginxPrecedes("/a", "/a/b") && !DataPlane.nginxPrecedes("/a/b", "/a"))
        let exact = ["/z", "/a-b", "/a/b", "/a"].map { Location(path: $0, match: .exact, backend: .unavailable(status: 503), source: Self.ref, field: "f") }
        #expect(Self.block(exact).routes.map(\.location) == ["= /a.test/a", "= /a.test/a/b", "= /a.test/a-b", "= /a.test/z"])
        let options = ProxyOptions(readTimeoutSeconds: 30, maxBodySize: "8m")
        #expect(DataPlane.proxyName(options) == DataPlane.proxyName(ProxyOptions(readTimeoutSeconds: 30, maxBodySize: "8m")))
        #expect(DataPlane.proxyName(options) != DataPlane.proxyName(ProxyOptions(readTimeoutSeconds: 31, maxBodySize: "8m")))
        #expect(DataPlane.proxyName(ProxyOptions()) == "@portico_proxy")
    }
}

/// Operators review nginx.conf: a change to one host must touch only that host's lines.
@Suite struct ReviewableConfigTests {
    static func table(hosts: Int, changing changed: Int? = nil) -> RoutingTable {
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")
        let vhosts = (0..<hosts).map { i in
            let paths = ["/a", "/b", i == changed ? "/c2" : "/c"]
            let options = i % 10 == 0 ? ProxyOptions(readTimeoutSeconds: 30 + (i == changed ? 1 : 0)) : ProxyOptions()
            return VirtualHost(
                host: Host("h\(String(format: "%03d", i)).test")!,
                locations: paths.map {
                    Location(
                        path: $0, match: .prefix, backend: .upstream(Upstream(host: "s\(i).default.svc.cluster.local", port: 80)),
                        options: options, source: ref, field: "spec.rules[\(i)].http.paths[0]")
                })
        }
        return RoutingTable(virtualHosts: vhosts, upstreams: (0..<hosts).map { Upstream(host: "s\($0).default.svc.cluster.local", port: 80) })
    }

    /// Above a few hundred hosts the renderer renders hosts on several threads: the config is the
    /// one rendered host after host.
    @Test func aLargeTableRendersAsInTurn() throws {
        let table = Self.table(hosts: 1500)
        let view = ConfigView(table: table, options: RenderOptions())
        var inTurn = ""
        try ConfigRenderer.defaultTemplate.render(view, cache: nil, inTurn: true, to: &inTurn)
        let rendered = try ConfigRenderer().render(table, options: RenderOptions())
        #expect(rendered == inTurn)
        #expect(rendered.contains("h1499.test") && rendered.contains("s1499.default.svc.cluster.local"))
    }

    /// Lines of `b` that `a` does not have, counted with multiplicity.
    static func changedLines(_ a: String, _ b: String) -> [String] {
        var count: [Substring: Int] = [:]
        for line in a.split(separator: "\n") { count[line, default: 0] += 1 }
        var out: [String] = []
        for line in b.split(separator: "\n") {
            if let n = count[line], n > 0 { count[line] = n - 1 } else { out.append(String(line)) }
        }
        return out
    }

    @Test(arguments: [7, 20])
    func aOneHostChangeIsASmallDiff(host: Int) throws {
        let renderer = ConfigRenderer()
        let before = try renderer.render(Self.table(hosts: 200), options: RenderOptions())
        let after = try renderer.render(Self.table(hosts: 200, changing: host), options: RenderOptions())
        let changed = Self.changedLines(before, after)
        #expect(!changed.isEmpty && changed.count <= 12, "\(changed.joined(separator: "\n"))")
        let name = String(format: "h%03d.test", host)
        let escaped = name.split(separator: ".").joined(separator: "\\.")
        // Its own lines, and (when its settings changed) the named location of its new settings.
        #expect(changed.allSatisfy { line in [name, escaped, "@portico_proxy", "proxy_", "/c2", "}"].contains { line.contains($0) } },
                "\(changed.joined(separator: "\n"))")
        #expect(Self.changedLines(after, before).count <= 12)
    }

    @Test func hostsReadInOrderEachWithItsIngress() throws {
        let config = try ConfigRenderer().render(Self.table(hosts: 30), options: RenderOptions())
        let hosts = config.split(separator: "\n").filter { $0.hasPrefix("        location /h") }.map { String($0) }
        #expect(hosts == hosts.sorted() && hosts.count == 30)
        #expect(config.contains("# host h005.test: ingress default/i spec.rules[5].host"))
        #expect(config.contains("# ingress default/i spec.rules[5].http.paths[0]: Prefix /a"))
    }
}

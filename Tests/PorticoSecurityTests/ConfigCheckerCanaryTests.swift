import Foundation
import PorticoConfigCheck
import PorticoRender
import PorticoRouting
import Testing

/// The checker reads canary routes back (their maps, the variable each route sets) and must catch
/// every change to which requests reach which Service.
@Suite struct ConfigCheckerCanaryTests {
    static let web = Upstream(host: "web.default.svc.cluster.local", port: 80)
    static let api = Upstream(host: "api.default.svc.cluster.local", port: 8080)

    static func table() -> RoutingTable {
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "main")
        let canaryRef = ObjectReference(kind: "Ingress", namespace: "default", name: "canary")
        func route(_ path: String, _ match: PathMatch, _ rules: CanaryRules?) -> Location {
            var l = Location(path: path, match: match, backend: .upstream(web), source: ref, field: "f")
            l.canary = rules.map { Canary(upstream: api, rules: $0, source: canaryRef, field: "g") }
            return l
        }
        let header = CanaryHeader(name: "X-Canary", match: .alwaysOrNever)
        return RoutingTable(
            virtualHosts: [
                VirtualHost(
                    host: Host("can.test")!,
                    locations: [
                        route("/", .prefix, CanaryRules(header: header, cookie: "Beta", share: 3000)),
                        route("/v", .prefix, CanaryRules(header: CanaryHeader(name: "X-Version", match: .value("v1.2 b")))),
                        route("/w", .prefix, nil),
                        route("/p", .exact, CanaryRules(header: CanaryHeader(name: "X-P", match: .pattern("^Do[A-Z]")))),
                        route("/b", .exact, CanaryRules(header: CanaryHeader(name: "X-B", match: .brokenPattern), cookie: "c")),
                        route("/all", .exact, CanaryRules(share: CanaryRules.wholeShare)),
                        route("/none", .exact, CanaryRules(share: 0)),
                        route("/wt", .exact, CanaryRules(share: 1250)),
                        route("/hw", .exact, CanaryRules(header: header, share: CanaryRules.wholeShare)),
                    ])
            ],
            upstreams: [api, web])
    }

    static let options = RenderOptions(httpPort: 8080, bindAddress: "127.0.0.1", resolvers: ["10.96.0.10"])

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table(), options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        // Every kind of canary map is there, and the fixed ones are plain addresses.
        for line in [
            "map $http_x_canary $portico_canary_h_", "map $http_x_version $portico_canary_h_", #""~^v1\\.2 b$" canary;"#,
            #""~^Do[A-Z]" canary;"#, "map $cookie_beta $portico_canary_c_", "split_clients $request_id $portico_canary_w_3000 {",
            "30% canary;", "12.5% canary;", "default main;", "set $portico_upstream api.default.svc.cluster.local:8080;",
        ] {
            #expect(config.contains(line), "\(line)")
        }
    }

    /// The first line of the config holding `marker`, and what the mutation makes of it.
    static func mutate(_ config: String, _ marker: String, _ change: (String) -> String) -> String? {
        var lines = config.components(separatedBy: "\n")
        guard let i = lines.firstIndex(where: { $0.contains(marker) }) else { return nil }
        lines[i] = change(lines[i])
        return lines.joined(separator: "\n")
    }

    static func replace(_ from: String, _ to: String) -> @Sendable (String) -> String {
        { $0.replacingOccurrences(of: from, with: to) }
    }

    /// (what, the line's marker, the change): each must be caught.
    static let mutations: [(String, String, @Sendable (String) -> String)] = [
        ("a header map on another header", "map $http_x_canary", replace("$http_x_canary", "$http_x_other")),
        ("always sent to the main Service", #""~^always$" canary;"#, replace("canary;", "main;")),
        ("never sent to the canary", #""~^never$" main;"#, replace("main;", "canary;")),
        ("a value's dot unescaped", #""~^v1\\.2 b$""#, replace(#"\\."#, ".")),
        ("a value without its anchor", #""~^v1\\.2 b$""#, replace("b$", "b")),
        ("a changed pattern", #""~^Do[A-Z]""#, replace("[A-Z]", "")),
        ("a pattern with a named group", #""~^Do[A-Z]""#, replace("^Do[A-Z]", "(?<portico_upstream>.*)")),
        ("a broken pattern's map opened", "default main;", replace("main;", "canary;")),
        ("a broken pattern's empty header decided", "default main;", replace("default main;", "default main; \"\" main;")),
        ("a cookie map on another cookie", "map $cookie_beta", replace("$cookie_beta", "$cookie_alpha")),
        ("a changed weight", "30% canary;", replace("30%", "50%")),
        ("a changed fraction of a weight", "12.5% canary;", replace("12.5%", "12.05%")),
        ("a weight by client, not by request", "split_clients $request_id", replace("$request_id", "$remote_addr")),
        ("nothing decided sent to the canary", "$portico_canary_w_3000\" $portico_canary_", { $0 }),
        ("a choice's canary elsewhere", #""~^canary" api.default.svc.cluster.local:8080;"#, replace("api.default.svc.cluster.local:8080", "evil.test:80")),
        ("a choice's canary from a request", #""~^canary" api.default.svc.cluster.local:8080;"#, replace("api.default.svc.cluster.local:8080", "$http_x")),
        ("a choice's main and canary swapped", #""~^main" web.default.svc.cluster.local:80;"#, replace("web.default.svc.cluster.local:80", "api.default.svc.cluster.local:8080")),
        ("a choice that reads the cookie before the header", "$portico_canary_w_3000\" $portico_canary_", { line in
            // `map "$H$C$W" $X {` → `map "$C$H$W" $X {`
            let parts = line.components(separatedBy: "$portico_canary_")
            guard parts.count >= 5 else { return line }
            return [parts[0], parts[2], parts[1]].joined(separator: "$portico_canary_") + "$portico_canary_" + parts[3...].joined(separator: "$portico_canary_")
        }),
        ("a choice that reads a request header", "$portico_canary_w_3000\" $portico_canary_", replace("$portico_canary_w_3000", "$http_x")),
        ("an undecided header word", #""~^always$" canary;"#, replace(#""~^always$" canary;"#, #""~^always$" canary; "~." canary;"#)),
        ("a lost variables_hash_max_size", "variables_hash_max_size", { _ in "" }),
        ("an always-canary route sent to the main Service", "set $portico_upstream api.default.svc.cluster.local:8080;", replace("api.default", "web.default")),
        ("a route map entry to an undefined choice", "\"/can.test/v\" $portico_canary_", replace("$portico_canary_", "$portico_canary_0")),
        ("a route that sets another route's choice", "location = /can.test/p {", { $0 }),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, marker, change) = Self.mutations[i]
        let config = try Self.config()
        var mutated = Self.mutate(config, marker, change)
        switch what {
        case "nothing decided sent to the canary":
            // The line after the weighted choice's header: its default.
            var lines = config.components(separatedBy: "\n")
            if let i = lines.firstIndex(where: { $0.contains(marker) }) {
                lines[i + 1] = lines[i + 1].replacingOccurrences(of: "web.default.svc.cluster.local:80", with: "api.default.svc.cluster.local:8080")
            }
            mutated = lines.joined(separator: "\n")
        case "a route that sets another route's choice":
            // /p sets /b's variable.
            let variables = config.components(separatedBy: "\n").filter { $0.contains("set $portico_upstream $portico_canary_") }
            if variables.count >= 2, let first = variables.first, let other = variables.last(where: { $0 != first }) {
                mutated = config.replacingOccurrences(of: first, with: other)
            } else {
                mutated = nil
            }
        default: break
        }
        let result = try #require(mutated, "mutation \(what): \(marker) is not in the config")
        #expect(result != config, "mutation \(what) changed nothing")
        #expect(!Self.problems(result).isEmpty, "\(what) was not caught")
    }
}

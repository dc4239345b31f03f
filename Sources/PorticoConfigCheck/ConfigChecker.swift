import PorticoPCRE
import PorticoRender
import PorticoRouting

/// Something in a rendered nginx.conf that the routing table did not ask for.
package struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var message: String
    package var description: String { "line \(line): \(message)" }
}

/// Checks a config rendered by the default template against what its routing table predicts:
/// the text parses as nginx parses it; every directive is on the allowlist of its context; the
/// servers are exactly the catch-all and one per virtual host, with the predicted `listen` and
/// `server_name`; each server's locations are exactly the predicted ones (modifier, path, target,
/// proxy settings); and every proxy target is one of the table's upstreams.
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

private struct CheckRun {
    let prediction: ConfigPrediction
    var problems: [ConfigProblem] = []

    mutating func fail(_ d: ConfigDirective?, _ message: String) {
        problems.append(ConfigProblem(line: d?.line ?? 0, message: message))
    }

    /// Each directive of a context must match one of the patterns (`name args`, args quoted as
    /// written), and must be a block exactly when the pattern says so.
    mutating func allow(_ directives: [ConfigDirective], _ context: String, simple: [PCRE], blocks: [PCRE]) {
        for d in directives {
            let text = d.description
            let patterns = d.block == nil ? simple : blocks
            if !patterns.contains(where: { $0.matches(text) }) {
                fail(d, "\(d.block == nil ? "directive" : "block") \(ConfigTree.quote(text)) is not allowed in \(context)")
            }
        }
    }

    mutating func checkMain(_ tree: [ConfigDirective]) {
        allow(tree, "the main context", simple: Allowlist.main, blocks: Allowlist.mainBlocks)
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

    mutating func checkHTTP(_ http: ConfigDirective) {
        allow(http.children, "http", simple: Allowlist.http, blocks: Allowlist.httpBlocks)
        let resolvers = http.children.filter { $0.name == "resolver" }.map { $0.arguments.map(\.value) }
        if resolvers != [prediction.resolvers] { fail(http, "resolver \(resolvers), expected \(prediction.resolvers)") }
        for map in http.children where map.name == "map" {
            allow(map.children, "map", simple: Allowlist.map, blocks: [])
        }
        var servers: [ConfigDirective] = []
        for server in http.children where server.name == "server" {
            if server.children.contains(where: { $0.name == "listen" && $0.arguments.first?.value.hasPrefix("127.0.0.1:") == true
                && $0.arguments.count == 1 && prediction.statusPort.map { "127.0.0.1:\($0)" } == $0.arguments.first?.value })
            {
                checkStatusServer(server)
            } else {
                servers.append(server)
            }
        }
        if prediction.statusPort != nil,
            http.children.filter({ $0.name == "server" }).count != servers.count + 1
        {
            fail(http, "expected exactly one status server on 127.0.0.1:\(prediction.statusPort ?? 0)")
        }
        guard servers.count == prediction.servers.count else {
            fail(
                http,
                "\(servers.count) servers, expected \(prediction.servers.count): "
                    + "[\(servers.map { serverName($0) }.joined(separator: ", "))] vs "
                    + "[\(prediction.servers.map(\.serverName).joined(separator: ", "))]")
            return
        }
        for (server, expected) in zip(servers, prediction.servers) {
            checkServer(server, expected)
        }
    }

    func serverName(_ server: ConfigDirective) -> String {
        server.children.first { $0.name == "server_name" }?.arguments.map(\.value).joined(separator: " ") ?? "?"
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

    mutating func checkServer(_ server: ConfigDirective, _ expected: PredictedServer) {
        allow(server.children, "server", simple: Allowlist.server, blocks: Allowlist.serverBlocks)
        let listens = server.children.filter { $0.name == "listen" }
        if listens.map({ $0.arguments.map(\.value) }) != expected.listen {
            fail(server, "listen \(listens.map { $0.arguments.map(\.value) }), expected \(expected.listen)")
        }
        let names = server.children.filter { $0.name == "server_name" }
        if names.map({ $0.arguments.map(\.value) }) != [[expected.serverName]] {
            fail(server, "server_name \(names.map { $0.arguments.map(\.value) }), expected \(expected.serverName)")
            return
        }
        checkServerNameRegex(expected.serverName, server)

        var locations: [PredictedLocation] = []
        var namedProxy = 0
        for location in server.children where location.name == "location" {
            let args = location.arguments.map(\.value)
            if args == ["@portico_proxy"] {
                namedProxy += 1
                allow(location.children, "@portico_proxy", simple: [Allowlist.proxyPass], blocks: [])
                if location.children.count != 1 { fail(location, "@portico_proxy must hold exactly one proxy_pass") }
                continue
            }
            let exact: Bool, path: String
            switch args.count {
            case 1: (exact, path) = (false, args[0])
            case 2 where args[0] == "=": (exact, path) = (true, args[1])
            default:
                fail(location, "location with arguments \(args.map(ConfigTree.quote)): not a prefix or exact location")
                continue
            }
            if location.arguments.contains(where: \.quoted) { fail(location, "quoted location path") }
            guard let body = locationBody(location) else { continue }
            locations.append(PredictedLocation(exact: exact, path: path, body: body))
        }
        if namedProxy != (expected.sharedProxy ? 1 : 0) {
            fail(server, "\(namedProxy) @portico_proxy locations, expected \(expected.sharedProxy ? 1 : 0)")
        }
        let actual = locations.sorted(), predicted = expected.locations.sorted()
        if actual != predicted {
            let extra = actual.filter { !predicted.contains($0) }.map(\.description)
            let missing = predicted.filter { !actual.contains($0) }.map(\.description)
            fail(
                server,
                "server \(expected.serverName): locations differ from the routing table; unexpected: \(extra), "
                    + "missing: \(missing)\(actual.count != predicted.count ? ", \(actual.count) vs \(predicted.count)" : "")")
        }
    }

    /// A wildcard's regex must match one more label and no other depth, as PCRE (nginx's regex
    /// engine) reads it.
    mutating func checkServerNameRegex(_ name: String, _ server: ConfigDirective) {
        guard name.hasPrefix("~") else { return }
        let suffix = name.dropFirst(#"~^[^.]+\."#.count).dropLast().split(separator: "\\.", omittingEmptySubsequences: false)
            .joined(separator: ".")
        guard let regex = try? PCRE(String(name.dropFirst()), caseless: true) else {
            fail(server, "server_name regex \(name) does not compile")
            return
        }
        if !regex.matches("x.\(suffix)") || regex.matches(suffix) || regex.matches("a.b.\(suffix)") {
            fail(server, "server_name regex \(name) does not match exactly one label before \(suffix)")
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

    /// Reads what a location does: proxy (through `@portico_proxy` or itself) or answer a status,
    /// with which settings. Nil, with a problem, when the directives do not add up to one of those.
    mutating func locationBody(_ location: ConfigDirective) -> PredictedLocation.Body? {
        allow(location.children, "location", simple: Allowlist.location, blocks: [])
        var upstream: String?, returnCode: Int?, handsOver = false, proxies = false
        var options = ProxyOptions()
        var seen = Set<String>()
        var access: [(String, String)] = []
        for d in location.children {
            let args = d.arguments.map(\.value)
            if (d.name == "allow" || d.name == "deny") && args.count == 1 {
                access.append((d.name, args[0]))
                continue
            }
            if !seen.insert(d.name).inserted { fail(d, "\(d.name) twice in one location") }
            switch d.name {
            case "set" where args.count == 2 && args[0] == "$portico_upstream": upstream = args[1]
            case "return" where args.count == 1: returnCode = Int(args[0])
            case "error_page" where args == ["418", "=", "@portico_proxy"]: handsOver = true
            case "proxy_pass" where args == ["http://$portico_upstream"]: proxies = true
            case "proxy_connect_timeout": options.connectTimeoutSeconds = Int(args.first?.dropLast() ?? "")
            case "proxy_read_timeout": options.readTimeoutSeconds = Int(args.first?.dropLast() ?? "")
            case "proxy_send_timeout": options.sendTimeoutSeconds = Int(args.first?.dropLast() ?? "")
            case "client_max_body_size": options.maxBodySize = args.first
            default: break  // the allowlist has reported it
            }
        }
        if !access.isEmpty {
            guard let rules = Self.sourceAccess(access) else {
                fail(location, "allow and deny are not a denylist, then an allowlist ending in deny all")
                return nil
            }
            options.access = rules
        }
        if let upstream {
            guard prediction.upstreamAddresses.contains(upstream) else {
                fail(location, "sets $portico_upstream to \(ConfigTree.quote(upstream)), which is not an upstream of the table")
                return nil
            }
            let parts = upstream.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else {
                fail(location, "upstream \(ConfigTree.quote(upstream)) is not host:port")
                return nil
            }
            let backend = Backend.upstream(Upstream(host: String(parts[0]), port: port))
            if handsOver && returnCode == 418 && !proxies && options.isDefault {
                return .init(backend: backend, options: options)
            }
            if proxies && !handsOver && returnCode == nil && !options.isDefault {
                return .init(backend: backend, options: options)
            }
            fail(location, "sets an upstream but neither hands over to @portico_proxy nor proxies with its own settings")
            return nil
        }
        // A status location keeps its Ingress's settings: harmless, and what the template writes.
        guard let returnCode, !proxies, !handsOver else {
            fail(location, "neither proxies nor answers a status")
            return nil
        }
        return .init(backend: .unavailable(status: returnCode), options: options)
    }
}


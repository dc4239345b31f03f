import PorticoModel

/// Which ConfigMaps hold TCP and UDP services, in ingress-nginx's format, and which ports they may
/// not take (`--tcp-services-configmap`, `--udp-services-configmap`).
public struct StreamOptions: Sendable, Equatable {
    /// Kind ConfigMap; nil: no services of that protocol.
    public var tcpServices: ObjectReference?
    public var udpServices: ObjectReference?
    /// Ports Portico's own listeners use, and what for (`HTTP`, `HTTPS`, `health`, `status`).
    public var reservedPorts: [Int: String]

    public init(tcpServices: ObjectReference? = nil, udpServices: ObjectReference? = nil, reservedPorts: [Int: String] = [:]) {
        self.tcpServices = tcpServices
        self.udpServices = udpServices
        self.reservedPorts = reservedPorts
    }

    /// A balanced group's members are taken out for this long after this many failed connections.
    public static let maxFails = 3
    public static let failTimeoutSeconds = 10
}

public enum StreamProtocol: String, Sendable, Hashable, Comparable {
    case tcp = "TCP"
    case udp = "UDP"

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One listening port of nginx's `stream {}`: where its connections (or datagrams) go.
public struct StreamServer: Sendable, Hashable {
    public var port: Int
    public var transport: StreamProtocol
    public var target: StreamTarget
    /// `:PROXY`: the client sends a PROXY protocol header (TCP only).
    public var acceptsProxyProtocol: Bool
    /// `:PROXY:PROXY`: nginx sends one to the backend (TCP only).
    public var sendsProxyProtocol: Bool
    /// The validated references it serves (`default/git:ssh`), for the config's comment.
    public var source: String

    public init(
        port: Int, transport: StreamProtocol, target: StreamTarget, acceptsProxyProtocol: Bool = false,
        sendsProxyProtocol: Bool = false, source: String
    ) {
        self.port = port
        self.transport = transport
        self.target = target
        self.acceptsProxyProtocol = acceptsProxyProtocol
        self.sendsProxyProtocol = sendsProxyProtocol
        self.source = source
    }
}

public enum StreamTarget: Sendable, Hashable {
    /// A name resolved when a connection needs it (nginx's `resolver`), so a missing Service never
    /// stops nginx from loading the config.
    case resolved(Upstream)
    /// Several addresses balanced by an `upstream` with `max_fails`/`fail_timeout`: cluster IPs
    /// (or an ExternalName's IP), which need no name resolved when nginx loads the config.
    case group([StreamMember])
}

public struct StreamMember: Sendable, Hashable {
    /// An IPv4 address, or an IPv6 one in brackets.
    public var address: String
    public var port: Int
    public var weight: Int?

    public init(address: String, port: Int, weight: Int? = nil) {
        self.address = address
        self.port = port
        self.weight = weight
    }
}

/// TCP and UDP services from ingress-nginx's `tcp-services`/`udp-services` ConfigMaps: each key a
/// listen port, each value `NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]` (a port number or name), or
/// several such references separated by commas, each with an optional ` weight=N`. Anything that
/// is not exactly that is left out with a diagnostic.
struct StreamRouter {
    let options: RoutingOptions
    let services: [RoutingRun.ServiceKey: Service]
    var diagnostics: [Diagnostic] = []

    init(options: RoutingOptions, services: [RoutingRun.ServiceKey: Service]) {
        self.options = options
        self.services = services
    }

    /// At most this many references in one entry.
    static let maxMembers = 64

    static func route(_ state: ClusterState, options: RoutingOptions) -> (servers: [StreamServer], diagnostics: [Diagnostic]) {
        let streams = options.streams
        guard streams.tcpServices != nil || streams.udpServices != nil || options.expose != nil else { return ([], []) }
        let (services, _) = RoutingRun.unique(state.services, kind: "Service", outcome: "used") { $0.metadata }
        let (configMaps, duplicates) = RoutingRun.unique(state.configMaps, kind: "ConfigMap", outcome: "used") { $0.metadata }
        var router = StreamRouter(options: options, services: services)
        var servers: [StreamServer] = []
        for (reference, transport) in [(streams.tcpServices, StreamProtocol.tcp), (streams.udpServices, .udp)] {
            guard let reference else { continue }
            router.diagnostics += duplicates.filter { $0.object == reference }
            guard let configMap = configMaps[.init(namespace: reference.namespace, name: reference.name)] else {
                router.diagnostics.append(
                    Diagnostic(
                        .configMapNotFound, reference, field: "",
                        "not found; no \(transport.rawValue) services until it exists"))
                continue
            }
            servers += router.servers(configMap.data ?? [:], transport: transport, ref: reference)
        }
        if let exposure = options.expose { servers += router.exposedServers(exposure, besides: servers) }
        return (servers.sorted { ($0.transport, $0.port) < ($1.transport, $1.port) }, router.diagnostics)
    }

    mutating func servers(_ data: [String: String], transport: StreamProtocol, ref: ObjectReference) -> [StreamServer] {
        var byPort: [Int: (key: String, server: StreamServer)] = [:]
        for key in data.keys.sorted() {
            let field = "data[\(quoted(key))]"
            guard let port = freePort(key, ref: ref, field: field, outcome: "left out", takenBy: { byPort[$0].map { quoted($0.key) } })
            else { continue }
            guard let server = server(port: port, value: data[key] ?? "", transport: transport, ref: ref, field: field) else { continue }
            byPort[port] = (key, server)
        }
        return byPort.values.map(\.server)
    }

    /// A listen port that is a port number, not one of Portico's own and not `takenBy` another
    /// entry already; nil with a diagnostic that ends with `outcome`.
    mutating func freePort(_ raw: String, ref: ObjectReference, field: String, outcome: String, takenBy: (Int) -> String?) -> Int? {
        guard let port = Self.port(raw) else {
            diagnose(ref, field, "\(quoted(raw)) is not a port number (1-65535); \(outcome)")
            return nil
        }
        if let user = options.streams.reservedPorts[port] {
            diagnose(ref, field, "port \(port) is Portico's \(user) port; \(outcome)")
            return nil
        }
        if let owner = takenBy(port) {
            diagnose(ref, field, "port \(port) is \(owner) already; \(outcome)")
            return nil
        }
        return port
    }

    /// A listen port as ingress-nginx reads it (digits), 1-65535.
    static func port(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let n = Int(text), Validation.isPort(n)
        else { return nil }
        return n
    }

    struct Reference {
        var namespace: String
        var service: String
        var port: String
        var acceptsProxy = false
        var sendsProxy = false
        var weight: Int?
        var text: String { "\(namespace)/\(service):\(port)" }
    }

    /// `NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]][ weight=N]`, or why not.
    static func reference(_ raw: Substring) -> Result<Reference, ReferenceProblem> {
        var text = raw.trimmingSpaces
        var weight: Int?
        if let space = text.firstIndex(of: " ") {
            let option = text[text.index(after: space)...].trimmingSpaces
            guard option.hasPrefix("weight="), let n = port(String(option.dropFirst("weight=".count))), n <= 1000 else {
                return .failure(.init("\(quoted(String(option))) is not weight=N (1-1000)"))
            }
            weight = n
            text = text[..<space]
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...4).contains(parts.count) else {
            return .failure(.init("\(quoted(String(text))) is not NAMESPACE/SERVICE:PORT[:PROXY[:PROXY]]"))
        }
        let names = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard names.count == 2, Validation.isLabel(String(names[0])), Validation.isServiceName(String(names[1])) else {
            return .failure(.init("\(quoted(String(parts[0]))) is not NAMESPACE/SERVICE"))
        }
        let port = String(parts[1])
        guard Self.port(port) != nil || Validation.isPortName(port) else {
            return .failure(.init("\(quoted(port)) is not a port number or name"))
        }
        for suffix in parts.dropFirst(2) where suffix.uppercased() != "PROXY" {
            return .failure(.init("\(quoted(String(suffix))) is not PROXY"))
        }
        return .success(
            Reference(
                namespace: String(names[0]), service: String(names[1]), port: port, acceptsProxy: parts.count >= 3,
                sendsProxy: parts.count == 4, weight: weight))
    }

    struct ReferenceProblem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    mutating func server(port: Int, value: String, transport: StreamProtocol, ref: ObjectReference, field: String) -> StreamServer? {
        let pieces = value.split(separator: ",", omittingEmptySubsequences: false)
        guard pieces.count <= Self.maxMembers else {
            diagnose(ref, field, "more than \(Self.maxMembers) references; left out")
            return nil
        }
        var references: [Reference] = []
        for piece in pieces {
            switch Self.reference(piece) {
            case .success(let r): references.append(r)
            case .failure(let problem):
                diagnose(ref, field, "\(problem.message); left out")
                return nil
            }
        }
        guard let first = references.first else { return nil }
        guard references.allSatisfy({ ($0.acceptsProxy, $0.sendsProxy) == (first.acceptsProxy, first.sendsProxy) }) else {
            diagnose(ref, field, "the references ask for PROXY protocol differently; left out")
            return nil
        }
        var (accepts, sends) = (first.acceptsProxy, first.sendsProxy)
        if transport == .udp, accepts || sends {
            diagnose(ref, field, "PROXY protocol is for TCP services; served without it")
            (accepts, sends) = (false, false)
        }
        let source = references.map(\.text).joined(separator: ",")
        if references.count == 1, first.weight == nil {
            guard let target = resolved(first, transport: transport, ref: ref, field: field) else { return nil }
            return StreamServer(
                port: port, transport: transport, target: .resolved(target), acceptsProxyProtocol: accepts, sendsProxyProtocol: sends,
                source: source)
        }
        var members: [StreamMember] = []
        for r in references {
            guard let member = member(r, transport: transport, ref: ref, field: field) else { continue }
            members.append(member)
        }
        guard !members.isEmpty else {
            diagnose(ref, field, "no reference has an address; left out")
            return nil
        }
        return StreamServer(
            port: port, transport: transport, target: .group(members), acceptsProxyProtocol: accepts, sendsProxyProtocol: sends,
            source: source)
    }

    /// The Service's port of that number or name and protocol; nil with a diagnostic.
    mutating func servicePort(_ r: Reference, _ service: Service, transport: StreamProtocol, ref: ObjectReference, field: String) -> Int? {
        let number = Self.port(r.port)
        let found = service.spec.ports.first { p in
            (number.map { p.port == $0 } ?? (p.name == r.port)) && (p.protocol ?? "TCP") == transport.rawValue
        }
        if let found, Validation.isPort(found.port) { return found.port }
        // An ExternalName Service need not list ports: a number is used as given.
        if service.spec.isExternalName, let number { return number }
        diagnose(
            ref, field, "service \(r.namespace)/\(r.service) has no \(transport.rawValue) port \(number.map(String.init) ?? quoted(r.port)); left out",
            code: .portNotFound)
        return nil
    }

    /// A single reference: the Service's cluster DNS name (or its ExternalName), resolved when a
    /// connection needs it.
    mutating func resolved(_ r: Reference, transport: StreamProtocol, ref: ObjectReference, field: String) -> Upstream? {
        let name = "\(r.service).\(r.namespace).svc.\(options.clusterDomain)"
        guard let service = services[.init(namespace: r.namespace, name: r.service)] else {
            guard let number = Self.port(r.port) else {
                diagnose(ref, field, "service \(r.namespace)/\(r.service) not found, so its port \(quoted(r.port)) is unknown; left out", code: .serviceNotFound)
                return nil
            }
            diagnose(ref, field, "service \(r.namespace)/\(r.service) not found; connections fail until it exists", code: .serviceNotFound)
            return Upstream(host: name, port: number)
        }
        guard let port = servicePort(r, service, transport: transport, ref: ref, field: field) else { return nil }
        if service.spec.isExternalName {
            guard let external = service.spec.externalName?.lowercased(), Validation.isSubdomain(external) else {
                diagnose(
                    ref, field, "service \(r.namespace)/\(r.service) is ExternalName but its externalName is not a DNS name; left out",
                    code: .invalidService)
                return nil
            }
            return Upstream(host: external, port: port)
        }
        if service.spec.isHeadless, let target = service.spec.ports.first(where: { $0.port == port })?.targetPort,
            case .int(let t) = target, Validation.isPort(t)
        {
            // No cluster IP translates the port: connect to the pods' target port.
            return Upstream(host: name, port: t)
        }
        return Upstream(host: name, port: port)
    }

    /// A member of a balanced group: the Service's cluster IP (or an ExternalName's IP address), so
    /// that nginx resolves nothing when it loads the config.
    mutating func member(_ r: Reference, transport: StreamProtocol, ref: ObjectReference, field: String) -> StreamMember? {
        guard let service = services[.init(namespace: r.namespace, name: r.service)] else {
            diagnose(ref, field, "service \(r.namespace)/\(r.service) not found; balanced without it", code: .serviceNotFound)
            return nil
        }
        guard let port = servicePort(r, service, transport: transport, ref: ref, field: field) else { return nil }
        let address = service.spec.isExternalName ? service.spec.externalName : service.spec.clusterIP
        guard let address, let literal = Self.ipLiteral(address) else {
            diagnose(
                ref, field,
                "service \(r.namespace)/\(r.service) has no cluster IP (or an ExternalName that is an IP address); a balanced "
                    + "group names addresses only, as nginx would resolve a name once, at load; balanced without it",
                code: .invalidService)
            return nil
        }
        return StreamMember(address: literal, port: port, weight: r.weight)
    }

    /// An IPv4 address as it is, an IPv6 one in brackets; nil for anything else.
    static func ipLiteral(_ s: String) -> String? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4,
            octets.allSatisfy({ o in
                (1...3).contains(o.count) && o.allSatisfy(\.isASCII) && o.allSatisfy(\.isNumber) && (Int(o) ?? 256) <= 255
            })
        {
            return s
        }
        let hex = s.utf8.allSatisfy { c in
            c == UInt8(ascii: ":") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
        }
        if hex, s.utf8.count <= 39, s.utf8.filter({ $0 == UInt8(ascii: ":") }).count >= 2 { return "[\(s)]" }
        return nil
    }

    mutating func diagnose(_ ref: ObjectReference, _ field: String, _ message: String, code: Diagnostic.Code = .invalidStreamService) {
        diagnostics.append(Diagnostic(code, ref, field: field, message))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}

import PorticoModel

/// `--expose-services SELECTOR`: Services whose labels match are served without an Ingress, each as
/// a virtual host (`portico.io/host`, else `SERVICE.NAMESPACE.DOMAIN`) whose `Prefix /` goes to one of
/// its ports (`portico.io/port`, else its first TCP port), and, with `portico.io/tcp-port`, that port
/// over TCP as a stream server too. The HTTP part is `Router+Exposure.swift`, the TCP part
/// `StreamRoutes+Exposure.swift`; both pick Services and ports here, so they agree.
public struct ServiceExposure: Sendable, Equatable {
    public var selector: LabelSelector
    /// `--expose-services-domain`, lowercase. Nil: a selected Service without `portico.io/host` is
    /// not exposed (with a diagnostic), since Portico cannot know what names point at it.
    public var domain: String?

    public init(selector: LabelSelector, domain: String? = nil) {
        self.selector = selector
        self.domain = domain?.lowercased()
    }

    public static let hostAnnotation = "portico.io/host"
    public static let portAnnotation = "portico.io/port"
    public static let tcpPortAnnotation = "portico.io/tcp-port"

    /// The Services the selector selects, oldest first (`creationTimestamp`, then namespace/name):
    /// the older of two that claim one host or one TCP port wins. Services whose namespace or name
    /// could not be a Service's are left out here, and reported by the HTTP part.
    func selected(_ services: [RoutingRun.ServiceKey: Service]) -> [Service] {
        services.values.filter { selector.matches($0.metadata.labels) }
            .map { (CreationTime($0.metadata.creationTimestamp), $0.metadata.effectiveNamespace, $0.metadata.name, $0) }
            .sorted { a, b in
                if a.0 != b.0 { return a.0 < b.0 }
                return (a.1, a.2) < (b.1, b.2)
            }.map(\.3)
    }

    static func hasValidName(_ service: Service) -> Bool {
        Validation.isLabel(service.metadata.effectiveNamespace) && Validation.isServiceName(service.metadata.name)
    }

    static func field(_ annotation: String) -> String { RoutingRun.field(annotation) }

    /// The port exposed: the one `portico.io/port` names (by number or name; an ExternalName
    /// Service need not list a numbered one), else the first TCP port. `index` is its place in
    /// `spec.ports` (nil: a number an ExternalName Service does not list).
    struct ChosenPort {
        var number: Int
        var index: Int?
        /// What names it in messages and comments: `spec.ports[0]`, or the annotation.
        var field: String
    }

    /// The chosen port, or why there is none.
    static func port(of service: Service) -> Result<ChosenPort, Problem> {
        let ports = service.spec.ports
        func isTCP(_ p: ServicePort) -> Bool { (p.protocol ?? "TCP") == "TCP" && Validation.isPort(p.port) }
        guard let raw = service.metadata.annotations?[portAnnotation] else {
            guard let i = ports.firstIndex(where: isTCP) else {
                return .failure(Problem(field: "spec.ports", "has no TCP port to expose"))
            }
            return .success(ChosenPort(number: ports[i].port, index: i, field: "spec.ports[\(i)]"))
        }
        let field = field(portAnnotation)
        if let number = StreamRouter.port(raw) {
            if let i = ports.firstIndex(where: { isTCP($0) && $0.port == number }) {
                return .success(ChosenPort(number: number, index: i, field: "spec.ports[\(i)]"))
            }
            if service.spec.isExternalName { return .success(ChosenPort(number: number, index: nil, field: field)) }
            return .failure(Problem(field: field, "the Service has no TCP port \(number)"))
        }
        guard Validation.isPortName(raw) else {
            return .failure(Problem(field: field, "\(quoted(raw)) is not a port number (1-65535) or a port name"))
        }
        guard let i = ports.firstIndex(where: { isTCP($0) && $0.name == raw }) else {
            return .failure(Problem(field: field, "the Service has no TCP port named \(quoted(raw))"))
        }
        return .success(ChosenPort(number: ports[i].port, index: i, field: "spec.ports[\(i)]"))
    }

    /// A field and why it cannot be served.
    struct Problem: Error {
        var field: String
        var message: String
        init(field: String, _ message: String) {
            self.field = field
            self.message = message
        }
    }
}

extension ObjectReference {
    /// A Service as diagnostics name it (`service demo/web`).
    public init(_ service: Service) {
        self.init(kind: "Service", namespace: service.metadata.effectiveNamespace, name: service.metadata.name)
    }
}

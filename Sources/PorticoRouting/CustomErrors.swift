import PorticoModel

/// `custom-http-errors` and `default-backend`, as ingress-nginx reads them: answers of the route's
/// Service with one of `codes` are replaced by the default backend's answer to `GET /` with the
/// `X-Code`, `X-Format`, `X-Original-URI`, `X-Namespace`, `X-Ingress-Name`, `X-Service-Name`,
/// `X-Service-Port` and `X-Request-ID` headers; and the default backend serves the route when its
/// Service is not there (missing, or without the port) or does not answer (nginx's own 502: no
/// endpoint accepted the connection), with `X-Code: 503`.
///
/// Portico does not watch endpoints, so "no endpoints" is what nginx sees: a Service missing from
/// the cluster, or a connection that fails. Without a default backend the codes are answered 404,
/// as ingress-nginx's built-in default backend answers them.
public struct CustomErrors: Sendable, Hashable {
    /// 400-599, sorted, once each; empty with `default-backend` alone.
    public var codes: [Int]
    /// `default-backend`: a Service of the Ingress's namespace, at its first port. Nil: 404.
    public var defaultBackend: Upstream?
    /// What the default backend is told of the route (with a default backend only); nil in the
    /// settings of a named location (each route sets its own before it hands over).
    public var origin: Origin?

    /// The route's Ingress and Service, for the `X-Namespace`... headers.
    public struct Origin: Sendable, Hashable {
        public var namespace: String
        public var ingress: String
        public var service: String
        /// The rule's port, a number or a name, as written.
        public var port: String

        public init(namespace: String, ingress: String, service: String, port: String) {
            self.namespace = namespace
            self.ingress = ingress
            self.service = service
            self.port = port
        }
    }

    public init(codes: [Int], defaultBackend: Upstream? = nil, origin: Origin? = nil) {
        self.codes = codes
        self.defaultBackend = defaultBackend
        self.origin = origin
    }

    /// The default backend in a named location's settings: there, only whether there is one counts.
    public static let anyDefaultBackend = Upstream(host: "", port: 0)

    /// What the named location that proxies needs: the codes and whether a default backend takes them.
    public var proxied: CustomErrors {
        CustomErrors(codes: codes, defaultBackend: defaultBackend == nil ? nil : Self.anyDefaultBackend)
    }

    /// nginx's own 502 (nothing answered) goes to the default backend too, unless the Service's own
    /// 502 already does as a custom error.
    public var fallsBackOnBadGateway: Bool { defaultBackend != nil && !codes.contains(502) }
}

extension RoutingRun {
    static let customErrorSettings = ["custom-http-errors", "default-backend"]

    /// The Ingress's custom errors and default backend, nil when it sets neither (or only invalid
    /// values, each reported: the default, no custom errors, applies).
    mutating func customErrors(
        _ annotations: Annotations, ref: ObjectReference, namespace: String, options: ProxyOptions
    ) -> CustomErrors? {
        if annotations.isEmpty { return nil }
        if let protocolName = options.upstream?.backendProtocol, protocolName == .grpc || protocolName == .grpcs {
            for name in Self.customErrorSettings {
                guard let (key, _) = Self.lookup(name, in: annotations) else { continue }
                diagnose(
                    .unsupportedAnnotation, ref, Self.field(key),
                    "not served with backend-protocol \(protocolName.rawValue.uppercased()): gRPC answers its errors in trailers; ignored")
            }
            return nil
        }
        var codes: [Int] = []
        if let (key, value) = Self.lookup("custom-http-errors", in: annotations) {
            if let parsed = Self.errorCodes(value) {
                codes = parsed
            } else {
                diagnose(
                    .invalidAnnotation, ref, Self.field(key),
                    "\(quoted(value)) is not a comma-separated list of status codes from 400 to 599; no custom errors")
            }
        }
        var backend: Upstream?
        if let (key, value) = Self.lookup("default-backend", in: annotations) {
            backend = annotatedDefaultBackend(value, namespace: namespace, ref: ref, field: Self.field(key))
        }
        guard !codes.isEmpty || backend != nil else { return nil }
        return CustomErrors(codes: codes, defaultBackend: backend)
    }

    /// ingress-nginx's list (`^(?:[45]\d{2},?)*$` once spaces are removed): codes 400-599, sorted,
    /// once each. Nil when the value is not such a list.
    static func errorCodes(_ value: String) -> [Int]? {
        guard value.utf8.count <= 4096 else { return nil }
        var codes = Set<Int>()
        for item in value.split(separator: ",", omittingEmptySubsequences: true) {
            let text = item.filter { $0 != " " }
            guard text.utf8.count == 3, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let code = Int(text), (400...599).contains(code)
            else { return nil }
            codes.insert(code)
        }
        return codes.sorted()
    }

    /// `default-backend`: a Service of the Ingress's own namespace, at its first port, as
    /// ingress-nginx takes it; nil (reported) when it is not a Service name, or the Service is
    /// missing or has no port (ingress-nginx ignores the annotation then too).
    mutating func annotatedDefaultBackend(_ name: String, namespace: String, ref: ObjectReference, field: String) -> Upstream? {
        guard Validation.isServiceName(name) else {
            diagnose(.invalidAnnotation, ref, field, "\(quoted(name)) is not a Service name; no default backend")
            return nil
        }
        guard let service = services[ServiceKey(namespace: namespace, name: name)] else {
            diagnose(.serviceNotFound, ref, field, "service \"\(name)\" not found; no default backend")
            return nil
        }
        guard let first = service.spec.ports.first, Validation.isPort(first.port) else {
            diagnose(.portNotFound, ref, field, "service \"\(name)\" has no port; no default backend")
            return nil
        }
        let backend = IngressBackend.service(name, port: ServiceBackendPort(number: first.port))
        guard case .upstream(let u)? = resolve(backend, namespace: namespace, ref: ref, field: field, backendField: field) else { return nil }
        return u
    }

    /// The route's custom errors: the Ingress's, with what the default backend is told of the route.
    /// A route whose Service is not there is the default backend's, unless its access is restricted
    /// (the default backend would serve it without the restriction): that one answers 503.
    static func routeErrors(
        _ errors: CustomErrors?, path: HTTPIngressPath, backend: Backend, options: ProxyOptions, ref: ObjectReference
    ) -> CustomErrors? {
        guard var errors, let service = path.backend.service else { return nil }
        switch backend {
        case .upstream: break
        case .unavailable: if errors.defaultBackend == nil || options.access != nil || options.auth != nil { return nil }
        case .redirect: return nil
        }
        if errors.defaultBackend != nil {
            let port = service.port.name ?? service.port.number.map(String.init) ?? ""
            errors.origin = CustomErrors.Origin(namespace: ref.namespace, ingress: ref.name, service: service.name, port: port)
        }
        return errors
    }
}

import PorticoRouting

/// `custom-http-errors` and `default-backend` (`CustomErrors`). A route sets the default backend's
/// address and what it is told of the route (`$portico_error_*`) before it hands over; its named
/// location intercepts the Service's answers with the codes (`proxy_intercept_errors on`) and
/// sends each to `@portico_error_CODE`, which asks the default backend for `/` with `X-Code: CODE`
/// and the other headers ingress-nginx sends (one location per code: nginx's `$status` is not set
/// yet in an error page's location). Without a default backend the codes go to
/// `@portico_error_none`, a 404 (ingress-nginx's built-in default backend's answer). nginx's own
/// 502 (nothing answered), and a route whose Service is not there (its `return 503`), go to
/// `@portico_default_backend`, which proxies the request as it is with `X-Code: 503`.
extension DataPlane {
    /// The variables a route with a default backend sets, in order, with their values.
    static func errorValues(_ errors: CustomErrors) -> [(name: String, value: String)] {
        guard let backend = errors.defaultBackend, let origin = errors.origin else { return [] }
        return [
            ("$portico_error_backend", backend.address), ("$portico_error_namespace", origin.namespace),
            ("$portico_error_ingress", origin.ingress), ("$portico_error_service", origin.service), ("$portico_error_port", origin.port),
        ]
    }

    /// The server's error locations: a code's for each code some named location sends to a default
    /// backend, `@portico_error_none` when some send theirs to none, `@portico_default_backend` when
    /// any route has a default backend.
    struct ErrorLocations: Equatable {
        var codes: [Int] = []
        var none = false
        var defaultBackend = false

        var isEmpty: Bool { codes.isEmpty && !none && !defaultBackend }
    }

    static func errorLocations(_ proxies: [Proxy], _ table: RoutingTable) -> ErrorLocations {
        var result = ErrorLocations()
        var codes = Set<Int>()
        for proxy in proxies {
            guard let errors = proxy.options.customErrors else { continue }
            if errors.defaultBackend != nil {
                codes.formUnion(errors.codes)
                result.defaultBackend = true
            } else if !errors.codes.isEmpty {
                result.none = true
            }
        }
        result.codes = codes.sorted()
        // A route whose Service is not there hands over to the default backend without a proxy.
        if !result.defaultBackend {
            func any(_ locations: [Location]) -> Bool {
                locations.contains { l in
                    guard case .unavailable = l.backend else { return false }
                    return l.options.customErrors?.defaultBackend != nil
                }
            }
            result.defaultBackend = any(table.catchAll.locations) || table.virtualHosts.contains { any($0.locations) }
        }
        return result
    }
}

/// What a route with custom errors or a default backend sets and does before it answers.
struct RouteErrorsView: TemplateContext {
    let errors: CustomErrors
    /// The route hands over with error pages of its own (418), whose named location has more.
    let proxies: Bool
    /// auth-signin's `recursive_error_pages on` is there already.
    let recursive: Bool

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "values": .list(DataPlane.errorValues(errors).map { .context(CORSValueView(name: $0.name, value: $0.value)) })
        case "recursive": .bool(proxies && !recursive)
        case "fallback": .bool(!proxies && errors.defaultBackend != nil)
        default: nil
        }
    }
}

/// A named location's error pages: the codes it intercepts and where each goes.
struct ProxyErrorsView: TemplateContext {
    let errors: CustomErrors

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "intercept": return .bool(!errors.codes.isEmpty)
        case "pages":
            guard !errors.codes.isEmpty else { return .list([]) }
            if errors.defaultBackend == nil {
                let codes = errors.codes.map(String.init).joined(separator: " ")
                return .list([.context(FieldsView(fields: ["codes": codes, "target": "@portico_error_none"]))])
            }
            return .list(errors.codes.map { .context(FieldsView(fields: ["codes": "\($0)", "target": "@portico_error_\($0)"])) })
        case "bad_gateway": return .bool(errors.fallsBackOnBadGateway)
        default: return nil
        }
    }
}

/// The server's error locations (`DataPlane.ErrorLocations`).
struct ErrorLocationsView: TemplateContext {
    let locations: DataPlane.ErrorLocations

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "codes": .list(locations.codes.map { .string("\($0)") })
        case "none": .bool(locations.none)
        case "default_backend": .bool(locations.defaultBackend)
        case "request_id": .bool(!locations.codes.isEmpty || locations.defaultBackend)
        default: nil
        }
    }
}

import PorticoRouting

/// What the server's error locations must be (`custom-http-errors`, `default-backend`), worked out
/// from the table's routes: a location per code that some route sends to a default backend, one
/// for codes sent to none, one for the default backend's own answer.
package struct PredictedErrorPages: Sendable, Equatable {
    package var codes: Set<Int> = []
    package var none = false
    package var defaultBackend = false

    init(_ table: RoutingTable) {
        for locations in [table.catchAll.locations] + table.virtualHosts.map(\.locations) {
            for l in locations {
                guard let errors = l.options.customErrors else { continue }
                if errors.defaultBackend != nil {
                    defaultBackend = true
                    if case .upstream = l.backend { codes.formUnion(errors.codes) }
                } else if !errors.codes.isEmpty, case .upstream = l.backend {
                    none = true
                }
            }
        }
    }

    /// The request id map: for the headers of every location that asks a default backend.
    var needsRequestID: Bool { !codes.isEmpty || defaultBackend }
}

extension Allowlist {
    /// In a named location: intercepting the Service's answers and where each goes.
    static let errorProxy = patterns([
        #"^proxy_intercept_errors on$"#, #"^error_page ([45]\d\d) = @portico_error_\1$"#,
        #"^error_page [45]\d\d( [45]\d\d){0,199} = @portico_error_none$"#, #"^error_page 502 = @portico_default_backend$"#,
    ])
    /// What a route with a default backend sets: a validated address and names.
    static let errorValues = patterns([
        #"^set \$portico_error_backend "NAME:\d{1,5}"$"#,
        #"^set \$portico_error_(namespace|ingress|service) "NAME"$"#, #"^set \$portico_error_port "([a-z0-9-]{1,15}|\d{1,5})"$"#,
        #"^error_page 503 = @portico_default_backend$"#,
    ])
    static let errorBlocks = patterns([#"^location @portico_error_([45]\d\d|none)$"#, #"^location @portico_default_backend$"#])
    static let requestIDMap = "$http_x_request_id $portico_request_id"
    static let requestIDLines = [#""" $request_id"#, "default $http_x_request_id"]
    /// The headers ingress-nginx sends its default backend about the route (its `$namespace`...).
    static let errorOrigin = [
        "proxy_set_header X-Format $http_accept", "proxy_set_header X-Namespace $portico_error_namespace",
        "proxy_set_header X-Ingress-Name $portico_error_ingress", "proxy_set_header X-Service-Name $portico_error_service",
        "proxy_set_header X-Service-Port $portico_error_port", "proxy_set_header X-Request-ID $portico_request_id",
    ]

    /// `@portico_error_CODE`: the default backend asked for `/` with the code, line by line.
    static func errorLocation(_ code: Int) -> [String] {
        ["proxy_set_header X-Code \(code)", errorOrigin[0], "proxy_set_header X-Original-URI $request_uri"] + errorOrigin.dropFirst()
            + ["proxy_set_header X-Forwarded-For $remote_addr", "proxy_set_header Host $portico_host", "rewrite ^ / break",
               "proxy_pass http://$portico_error_backend"]
    }

    /// `@portico_default_backend`: the request as it is, with X-Code 503 and every forwarded header.
    static let defaultBackendLocation =
        ["proxy_set_header X-Code 503"] + errorOrigin + [
            "proxy_set_header Host $portico_host", "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for",
            "proxy_set_header X-Forwarded-Proto $scheme", "proxy_set_header X-Forwarded-Host $portico_host",
            "proxy_set_header X-Real-IP $remote_addr", "proxy_set_header Upgrade $http_upgrade",
            "proxy_set_header Connection $portico_connection", "proxy_pass http://$portico_error_backend$request_uri",
        ]
}

/// Custom errors, read back: a named location intercepts exactly its routes' codes and sends them
/// to the locations of its kind; each route with a default backend sets its address and names
/// before it hands over (or before its 503); the server's error locations are exactly the template's
/// and exist exactly when a route needs them.
extension CheckRun {
    /// An error page of custom errors (not auth-signin's 401).
    static func isErrorPage(_ d: ConfigDirective) -> Bool {
        d.name == "proxy_intercept_errors"
            || (d.name == "error_page" && (d.arguments.last?.value.hasPrefix("@portico_error_") == true
                || d.arguments.last?.value == "@portico_default_backend"))
    }

    /// A named location's custom errors in the shape routes share (whether a default backend takes
    /// them, not which); nil when it has none.
    mutating func namedCustomErrors(_ location: ConfigDirective, grpc: Bool) -> CustomErrors? {
        let pages = location.children.filter(Self.isErrorPage)
        guard !pages.isEmpty else { return nil }
        if grpc { fail(location, "custom errors in a location that proxies with grpc_pass: proxy_intercept_errors has no effect") }
        var codes: [Int] = [], none = false, toBackend = false, badGateway = false, intercepts = false
        for d in pages {
            let a = args(d)
            if d.name == "proxy_intercept_errors" {
                if intercepts { fail(d, "proxy_intercept_errors twice") }
                intercepts = a == ["on"]
                continue
            }
            guard a.count >= 3, a[a.count - 2] == "=" else { continue }  // the allowlist has reported it
            let listed = a.dropLast(2).compactMap { Int($0) }
            switch a[a.count - 1] {
            case "@portico_default_backend": badGateway = listed == [502]
            case "@portico_error_none":
                if none { fail(d, "two error pages to @portico_error_none") }
                none = true
                codes += listed
            default:
                toBackend = true
                codes += listed
            }
        }
        if none && toBackend { fail(location, "custom errors go both to a default backend and to none") }
        if Set(codes).count != codes.count { fail(location, "a custom error code twice") }
        if codes.sorted() != codes { fail(location, "custom error codes out of order") }
        if intercepts != !codes.isEmpty {
            fail(location, intercepts ? "intercepts the Service's answers without an error page" : "error pages for codes it does not intercept")
        }
        let hasBackend = toBackend || badGateway
        if hasBackend && !codes.contains(502) != badGateway {
            fail(location, badGateway ? "sends 502 to the default backend twice" : "no default backend for nginx's own 502")
        }
        return CustomErrors(codes: codes.sorted(), defaultBackend: hasBackend ? CustomErrors.anyDefaultBackend : nil)
    }

    /// The values a route sets for its default backend, read into `errors` (its named location's,
    /// or nil for a route that answers a status); nil when the route sets none.
    mutating func routeCustomErrors(_ location: ConfigDirective, proxy errors: CustomErrors?, proxies: Bool) -> CustomErrors? {
        var values: [String: String] = [:]
        for d in location.children where d.name == "set" && d.arguments.count == 2 && d.arguments[0].value.hasPrefix("$portico_error_") {
            values[d.arguments[0].value] = d.arguments[1].value
        }
        let fallback = location.children.contains { $0.description == "error_page 503 = @portico_default_backend" }
        let recursive = location.children.contains { $0.description == "recursive_error_pages on" }
        if proxies {
            if fallback { fail(location, "hands over to a named location but sends its 503 to the default backend") }
            if errors != nil && !recursive { fail(location, "its named location has error pages but the route does not chain them") }
        } else if fallback != !values.isEmpty {
            fail(location, fallback ? "sends its 503 to a default backend it does not set" : "sets a default backend but answers its 503 itself")
        }
        guard var errors = errors ?? (fallback ? CustomErrors(codes: []) : nil) else {
            if !values.isEmpty { fail(location, "sets a default backend without custom errors") }
            return nil
        }
        guard errors.defaultBackend != nil || fallback else {
            if !values.isEmpty { fail(location, "sets a default backend, but its errors go to none") }
            return errors
        }
        let names = ["backend", "namespace", "ingress", "service", "port"].map { "$portico_error_" + $0 }
        guard names.allSatisfy({ values[$0] != nil }), values.count == names.count,
            let backend = values[names[0]], prediction.upstreamAddresses.contains(backend), let upstream = Self.upstream(backend)
        else {
            fail(location, "does not set every one of \(names) to an upstream of the table and names")
            return errors
        }
        errors.defaultBackend = upstream
        errors.origin = CustomErrors.Origin(
            namespace: values[names[1]] ?? "", ingress: values[names[2]] ?? "", service: values[names[3]] ?? "", port: values[names[4]] ?? "")
        return errors
    }

    /// The server's error locations and the request id map, exactly as predicted.
    mutating func checkErrorServer(_ server: ConfigDirective, maps: [String: ConfigDirective]) {
        let expected = prediction.errorPages
        var found = Set<String>()
        for location in server.children where location.name == "location" {
            guard let name = args(location).first, Self.isErrorLocation(name) else { continue }
            if !found.insert(name).inserted { fail(location, "\(name) twice") }
            let lines: [String]?
            switch name {
            case "@portico_error_none": lines = expected.none ? ["return 404"] : nil
            case "@portico_default_backend": lines = expected.defaultBackend ? Allowlist.defaultBackendLocation.map(prediction.global.header) : nil
            default:
                let code = Int(name.dropFirst("@portico_error_".count)) ?? 0
                lines = expected.codes.contains(code) ? Allowlist.errorLocation(code) : nil
            }
            guard let lines else {
                fail(location, "\(name), which no route needs")
                continue
            }
            if location.children.map(\.description) != lines || location.children.contains(where: { $0.block != nil }) {
                fail(location, "location \(name) is not \(lines)")
            }
        }
        var needed = Set(expected.codes.map { "@portico_error_\($0)" })
        if expected.none { needed.insert("@portico_error_none") }
        if expected.defaultBackend { needed.insert("@portico_default_backend") }
        let missing = needed.subtracting(found)
        if !missing.isEmpty { fail(server, "no location \(missing.sorted())") }
        if (maps[Allowlist.requestIDMap] != nil) != expected.needsRequestID {
            fail(server, "map \(Allowlist.requestIDMap) \(expected.needsRequestID ? "missing" : "without a default backend")")
        }
    }

    static func isErrorLocation(_ name: String) -> Bool { name.hasPrefix("@portico_error_") || name == "@portico_default_backend" }
}

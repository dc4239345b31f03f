import PorticoModel

extension RoutingRun {
    /// Resolves a backend to an upstream, or to 503 when its Service or port does not exist.
    /// Nil (with a diagnostic) when the backend itself is invalid and the path must be left out.
    /// - Parameters:
    ///   - field: what a diagnostic names (`spec.rules[0].http.paths[1]`, `spec.defaultBackend`).
    ///   - backendField: the backend's own field, prefix of its sub-fields.
    mutating func resolve(
        _ backend: IngressBackend, namespace: String, ref: ObjectReference, field: String, backendField: String
    ) -> Backend? {
        guard let service = backend.service else {
            if let resource = backend.resource {
                diagnose(
                    .invalidBackend, ref, "\(backendField).resource",
                    "resource backends (\(quoted(resource.kind))) are not supported; answers 503")
            } else {
                diagnose(.invalidBackend, ref, backendField, "names no service; answers 503")
            }
            return .unavailable(status: 503)
        }
        guard Validation.isServiceName(service.name) else {
            diagnose(
                .invalidBackend, ref, "\(backendField).service.name",
                "\(quoted(service.name)) is not a valid Service name; path left out")
            return nil
        }
        let port = service.port
        switch (port.name, port.number) {
        case (let name?, nil) where !Validation.isPortName(name):
            diagnose(
                .invalidBackend, ref, "\(backendField).service.port.name",
                "\(quoted(name)) is not a valid port name; path left out")
            return nil
        case (nil, let number?) where !Validation.isPort(number):
            diagnose(
                .invalidBackend, ref, "\(backendField).service.port.number",
                "\(number) is not a port number (1-65535); path left out")
            return nil
        case (nil, nil), (.some, .some):
            diagnose(
                .invalidBackend, ref, "\(backendField).service.port",
                "must set exactly one of name and number; path left out")
            return nil
        default:
            break
        }

        guard let target = services[ServiceKey(namespace: namespace, name: service.name)] else {
            diagnose(.serviceNotFound, ref, field, "service \"\(service.name)\" not found; answers 503")
            return .unavailable(status: 503)
        }
        let portText = port.name.map { "\"\($0)\"" } ?? "\(port.number ?? 0)"
        let servicePort = target.spec.ports.first { p in
            if let name = port.name { return p.name == name }
            return p.port == port.number
        }

        if target.spec.isExternalName {
            guard let external = target.spec.externalName?.lowercased(), Validation.isSubdomain(external) else {
                diagnose(
                    .invalidService, ref, field,
                    "service \"\(service.name)\" is ExternalName but its externalName "
                        + "\(quoted(target.spec.externalName ?? "")) is not a valid DNS name; answers 503")
                return .unavailable(status: 503)
            }
            // An ExternalName Service need not list ports: a numeric port is used as given.
            let number = servicePort?.port ?? port.number
            guard let number, Validation.isPort(number) else {
                diagnose(
                    .portNotFound, ref, field,
                    "service \"\(service.name)\" has no port \(portText); answers 503")
                return .unavailable(status: 503)
            }
            return .upstream(Upstream(host: external, port: number))
        }

        guard let servicePort, Validation.isPort(servicePort.port) else {
            diagnose(.portNotFound, ref, field, "service \"\(service.name)\" has no port \(portText); answers 503")
            return .unavailable(status: 503)
        }
        var number = servicePort.port
        if target.spec.isHeadless {
            // No cluster IP translates the port: connect to the pods' target port.
            switch servicePort.targetPort {
            case .int(let t)? where Validation.isPort(t): number = t
            case .string(let name)?:
                diagnose(
                    .portNotFound, ref, field,
                    "service \"\(service.name)\" is headless and its targetPort \(quoted(name)) is named; "
                        + "Portico cannot resolve named target ports, so it connects to port \(number)")
            default: break
            }
        }
        // One string per Service, shared by every location that reaches it.
        let key = ServiceKey(namespace: namespace, name: service.name)
        let host = upstreamHosts[key] ?? "\(service.name).\(namespace).svc.\(options.clusterDomain)"
        upstreamHosts[key] = host
        return .upstream(Upstream(host: host, port: number))
    }
}

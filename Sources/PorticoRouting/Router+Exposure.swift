import PorticoModel

extension RoutingRun {
    /// `--expose-services`: after every Ingress, each selected Service becomes a virtual host whose
    /// `Prefix /` proxies to its chosen port, like an Ingress rule with that one path (same upstream
    /// name, TLS by SNI, checker and renderer). A name an Ingress rule, a `server-alias` or a
    /// `from-to-www-redirect` already serves stays the Ingress's, and of two Services claiming one
    /// name the older wins; each one left out gets a diagnostic naming it.
    mutating func addExposedServices() {
        guard let exposure = options.expose else { return }
        var ingressNames: [String: ObjectReference] = [:]
        for (host, claim) in aliasClaims { for name in claim.names { ingressNames[name] = ingressNames[name] ?? owner(of: host) } }
        for host in wwwHosts {
            if let other = RoutingTable.wwwCounterpart(host.name) { ingressNames[other] = ingressNames[other] ?? owner(of: host) }
        }
        var exposedBy: [Host: ObjectReference] = [:]
        for service in exposure.selected(services) {
            let ref = ObjectReference(service)
            guard ServiceExposure.hasValidName(service) else {
                diagnose(.invalidName, ref, "metadata.name", "not a valid Service namespace and name; not exposed")
                continue
            }
            guard let (host, hostField) = exposedHost(service, exposure, ref: ref) else { continue }
            let port: ServiceExposure.ChosenPort
            switch ServiceExposure.port(of: service) {
            case .success(let chosen): port = chosen
            case .failure(let problem):
                diagnose(.portNotFound, ref, problem.field, "\(problem.message); not exposed")
                continue
            }
            if let earlier = exposedBy[host] {
                diagnose(.conflict, ref, hostField, "host \(host) is exposed by \(earlier) already (older, or first by namespace/name); not exposed")
                continue
            }
            if let routes = hosts[host] {
                let ingress = routes.locations.first.map { " by \($0.source)" } ?? ""
                diagnose(.conflict, ref, hostField, "host \(host) is served\(ingress): Ingress rules win; not exposed")
                continue
            }
            if let ingress = ingressNames[host.name] {
                diagnose(.conflict, ref, hostField, "\(host) is a name \(ingress) serves: Ingress rules win; not exposed")
                continue
            }
            let backend = IngressBackend.service(service.metadata.name, port: ServiceBackendPort(number: port.number))
            guard
                let resolved = resolve(
                    backend, namespace: service.metadata.effectiveNamespace, ref: ref, field: port.field, backendField: port.field)
            else { continue }
            exposedBy[host] = ref
            var routes = HostRoutes()
            routes.locations = [Location(path: "/", match: .prefix, backend: resolved, source: ref, field: port.field)]
            hosts[host] = routes
        }
    }

    /// The Ingress that first made a host's routes (what a Service's diagnostic names).
    private func owner(of host: Host) -> ObjectReference? { hosts[host]?.locations.first?.source }

    /// `portico.io/host`, validated as an Ingress host is; else `SERVICE.NAMESPACE.DOMAIN`. Nil with a
    /// diagnostic when neither gives a host; nil without one for a Service that asks for TCP only.
    mutating func exposedHost(_ service: Service, _ exposure: ServiceExposure, ref: ObjectReference) -> (Host, String)? {
        let field = ServiceExposure.field(ServiceExposure.hostAnnotation)
        if let raw = service.metadata.annotations?[ServiceExposure.hostAnnotation], !raw.isEmpty {
            guard let host = Host(raw) else {
                diagnose(
                    .invalidHost, ref, field,
                    "\(quoted(raw)) is not a valid host (a DNS name, optionally with a leading \"*.\"); not exposed")
                return nil
            }
            return (host, field)
        }
        // `portico.io/tcp-port` without `portico.io/host` asks for TCP only (an SSH port is no website).
        if service.metadata.annotations?[ServiceExposure.tcpPortAnnotation] != nil { return nil }
        guard let domain = exposure.domain else {
            diagnose(
                .invalidHost, ref, field,
                "not set, and no --expose-services-domain names SERVICE.NAMESPACE.DOMAIN; not exposed over HTTP")
            return nil
        }
        let name = "\(service.metadata.name).\(service.metadata.effectiveNamespace).\(domain)"
        guard let host = Host(name) else {
            diagnose(.invalidHost, ref, field, "not set, and \(quoted(name)) is not a valid host (longer than 253 bytes?); not exposed")
            return nil
        }
        return (host, "metadata.name")
    }
}

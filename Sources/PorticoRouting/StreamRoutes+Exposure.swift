import PorticoModel

extension StreamRouter {
    /// `portico.io/tcp-port` on a Service `--expose-services` selects: that listen port proxies to the
    /// Service's chosen port (`ServiceExposure.port(of:)`) by its cluster DNS name, as a TCP
    /// services entry would. A port Portico listens on, one the TCP services ConfigMap has (it
    /// wins) and one an older Service took are left out with a diagnostic naming the Service.
    mutating func exposedServers(_ exposure: ServiceExposure, besides configured: [StreamServer]) -> [StreamServer] {
        let configMap = options.streams.tcpServices.map { "\($0)" } ?? "the TCP services ConfigMap"
        var taken: [Int: String] = [:]
        for server in configured where server.transport == .tcp { taken[server.port] = "\(configMap)'s (it wins)" }
        var servers: [StreamServer] = []
        for service in exposure.selected(services) where ServiceExposure.hasValidName(service) {
            guard let raw = service.metadata.annotations?[ServiceExposure.tcpPortAnnotation] else { continue }
            let ref = ObjectReference(service)
            let field = ServiceExposure.field(ServiceExposure.tcpPortAnnotation)
            guard let listen = freePort(raw, ref: ref, field: field, outcome: "not exposed over TCP", takenBy: { taken[$0] }) else { continue }
            // A Service without a port to expose is reported once, by the HTTP part.
            guard case .success(let port) = ServiceExposure.port(of: service) else { continue }
            let reference = Reference(namespace: ref.namespace, service: ref.name, port: "\(port.number)")
            guard let upstream = resolved(reference, transport: .tcp, ref: ref, field: field) else { continue }
            taken[listen] = "\(ref)'s (older, or first by namespace/name)"
            servers.append(
                StreamServer(port: listen, transport: .tcp, target: .resolved(upstream), source: "\(reference.text) (\(ref), \(ServiceExposure.tcpPortAnnotation))"))
        }
        return servers
    }
}

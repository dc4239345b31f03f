import PorticoRouting

/// Hostile annotations on Services that `--expose-services` selects: each Service must be left out
/// (of HTTP, or of TCP for `portico.io/tcp-port`) with a diagnostic naming it and the annotation,
/// and nothing of it may reach nginx.conf.
extension HostileCorpus {
    package struct ExposedService: Sendable, CustomStringConvertible {
        package var name: String
        package var annotations: [String: String]
        package var description: String { name }
    }

    /// Hosts that end the `map` line, open a block, name a variable, climb out or are no host; ports
    /// and listen ports that are not ports.
    package static let exposedServices: [ExposedService] = [
        ExposedService(name: "host with semicolon", annotations: [ServiceExposure.hostAnnotation: "a.test; return 200 pwned"]),
        ExposedService(name: "host with a brace", annotations: [ServiceExposure.hostAnnotation: "a.test{"]),
        ExposedService(
            name: "host closing the map", annotations: [ServiceExposure.hostAnnotation: "a.test a.test;\n} server { listen 81; root /; }"]),
        ExposedService(name: "host with a newline", annotations: [ServiceExposure.hostAnnotation: "a.test\nlisten 81"]),
        ExposedService(name: "host as a variable", annotations: [ServiceExposure.hostAnnotation: "$pwned_host"]),
        ExposedService(name: "host climbing out", annotations: [ServiceExposure.hostAnnotation: "../../etc/passwd"]),
        ExposedService(name: "host with a comment", annotations: [ServiceExposure.hostAnnotation: "a.test#pwned"]),
        ExposedService(name: "host with a quote", annotations: [ServiceExposure.hostAnnotation: "a.test\" pwned"]),
        ExposedService(name: "huge host", annotations: [ServiceExposure.hostAnnotation: String(repeating: "a", count: 100_000) + ".test"]),
        ExposedService(name: "host as an address", annotations: [ServiceExposure.hostAnnotation: "169.254.169.254"]),
        ExposedService(name: "port with semicolon", annotations: [ServiceExposure.portAnnotation: "80;"]),
        ExposedService(name: "port zero", annotations: [ServiceExposure.portAnnotation: "0"]),
        ExposedService(name: "port out of range", annotations: [ServiceExposure.portAnnotation: "70000"]),
        ExposedService(name: "port with a brace", annotations: [ServiceExposure.portAnnotation: "http}"]),
        ExposedService(name: "port as a variable", annotations: [ServiceExposure.portAnnotation: "$server_port"]),
        ExposedService(name: "tcp-port with semicolon", annotations: [ServiceExposure.tcpPortAnnotation: "80;"]),
        ExposedService(name: "tcp-port zero", annotations: [ServiceExposure.tcpPortAnnotation: "0"]),
        ExposedService(name: "tcp-port out of range", annotations: [ServiceExposure.tcpPortAnnotation: "70000"]),
        ExposedService(name: "tcp-port with a newline", annotations: [ServiceExposure.tcpPortAnnotation: "2222\nlisten 81"]),
        ExposedService(name: "tcp-port as a variable", annotations: [ServiceExposure.tcpPortAnnotation: "$server_port"]),
        ExposedService(name: "tcp-port on the HTTP port", annotations: [ServiceExposure.tcpPortAnnotation: "8080"]),
        ExposedService(name: "huge tcp-port", annotations: [ServiceExposure.tcpPortAnnotation: String(repeating: "9", count: 100_000)]),
    ]
}

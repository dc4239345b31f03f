import PorticoRouting

/// Where TLS passthrough's two internal listeners are (`--enable-ssl-passthrough`): both on
/// loopback, neither reachable from outside the pod.
public struct SSLPassthroughPorts: Sendable, Equatable {
    /// Portico's own HTTPS termination, which then expects a PROXY protocol header naming the
    /// client (`--ssl-passthrough-proxy-port`, ingress-nginx's 442).
    public var termination: Int
    /// The passed-through hosts' relay, which takes that header off again before their Service
    /// (`--ssl-passthrough-relay-port`).
    public var relay: Int

    public init(termination: Int = 442, relay: Int = 441) {
        self.termination = termination
        self.relay = relay
    }

    /// The one address both listen on, and so the one source Portico's server trusts to name the
    /// client: the stream server's connections to it come from there.
    public static let loopback = "127.0.0.1"
}

/// TLS passthrough, in the two places of nginx.conf it shapes: the `http` block (the client's
/// address from the PROXY header, and a 421 for a passed-through host asked for on another name's
/// connection) and the `stream` block (the HTTPS port's listener that reads the SNI name, the map
/// from name to Service, and the relay).
struct PassthroughView: TemplateContext {
    let hosts: [PassthroughHost]
    let ports: SSLPassthroughPorts
    let options: RenderOptions
    let mapHash: (maxSize: Int, bucketSize: Int)

    /// The view when the table passes any host through and the options say where (a table routed
    /// with `RoutingOptions.sslPassthrough` renders with `RenderOptions.sslPassthrough` set), else nil:
    /// the config is then what it is without passthrough.
    init?(table: RoutingTable, options: RenderOptions, mapHash: (maxSize: Int, bucketSize: Int)) {
        guard !table.passthrough.isEmpty, options.httpsPort != nil, let ports = options.sslPassthrough else { return nil }
        hosts = table.passthrough
        self.ports = ports
        self.options = options
        self.mapHash = mapHash
    }

    var termination: String { "\(SSLPassthroughPorts.loopback):\(ports.termination)" }
    var relay: String { "\(SSLPassthroughPorts.loopback):\(ports.relay)" }

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "real_ip_from": .string(SSLPassthroughPorts.loopback)
        case "names": .list(hosts.map { .string($0.host.name) })
        case "hosts": .list(hosts.map { .context(FieldsView(fields: ["name": $0.host.name, "upstream": $0.upstream.address])) })
        case "listen": .list(options.httpsListenAddresses.map(TemplateValue.string))
        case "termination": .string(termination)
        case "relay": .string(relay)
        case "map_hash_max_size": .string("\(mapHash.maxSize)")
        case "map_hash_bucket_size": .string("\(mapHash.bucketSize)")
        default: nil
        }
    }
}

import PorticoRouting

/// The `stream {}` part of nginx.conf: one server per TCP or UDP service. A single Service is
/// proxied to by name through a variable, so that nginx resolves it when a connection needs it
/// (as http's routes do); several references are an `upstream` of cluster IPs with passive health
/// checks (`max_fails`, `fail_timeout`) and optional weights.
struct StreamView: TemplateContext {
    let servers: [StreamServer]
    let options: RenderOptions
    var passthrough: PassthroughView? = nil

    /// TCP servers pass a client's half-close on (`proxy_half_close`): a protocol that ends its
    /// request with one still reads the whole answer.
    /// Idle timeouts: ingress-nginx's proxy-stream-timeout for TCP; a UDP exchange (DNS) is one
    /// datagram each way (`proxy_responses 1`), so its wait for an answer is short.
    static let tcpTimeout = "600s"
    static let udpTimeout = "10s"
    static let connectTimeout = "5s"

    static func upstreamName(_ server: StreamServer) -> String {
        "portico_stream_\(server.transport.rawValue.lowercased())_\(server.port)"
    }

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "resolvers": .string(options.resolvers.joined(separator: " "))
        case "connect_timeout": .string(Self.connectTimeout)
        case "upstreams":
            .list(
                servers.compactMap { server in
                    guard case .group(let members) = server.target else { return nil }
                    return .context(GroupView(server: server, members: members))
                })
        case "servers": .list(servers.map { .context(ServerView(server: $0, options: options)) })
        case "passthrough": passthrough.map(TemplateValue.context) ?? .bool(false)
        default: nil
        }
    }

    static func comment(_ server: StreamServer) -> String {
        "\(server.transport.rawValue) \(server.port): \(server.source)"
    }

    struct GroupView: TemplateContext {
        let server: StreamServer
        let members: [StreamMember]

        func value(for key: String) -> TemplateValue? {
            switch key {
            case "name": .string(StreamView.upstreamName(server))
            case "comment": .string(StreamView.comment(server))
            case "members":
                .list(
                    members.map { m in
                        .string(
                            "\(m.address):\(m.port)\(m.weight.map { " weight=\($0)" } ?? "") max_fails=\(StreamOptions.maxFails) "
                                + "fail_timeout=\(StreamOptions.failTimeoutSeconds)s")
                    })
            default: nil
            }
        }
    }

    struct ServerView: TemplateContext {
        let server: StreamServer
        let options: RenderOptions

        func value(for key: String) -> TemplateValue? {
            switch key {
            case "comment": return .string(StreamView.comment(server))
            case "listen":
                let suffix = server.transport == .udp ? " udp" : server.acceptsProxyProtocol ? " proxy_protocol" : ""
                return .list(options.addresses(port: server.port).map { .string($0 + suffix) })
            case "timeout": return .string(server.transport == .udp ? StreamView.udpTimeout : StreamView.tcpTimeout)
            case "udp": return .bool(server.transport == .udp)
            case "send_proxy_protocol": return .bool(server.sendsProxyProtocol)
            // The header nginx sends on names the client that the incoming one named (ingress-nginx
            // trusts every sender on such a port, its proxy-real-ip-cidr default).
            case "real_ip": return .bool(server.sendsProxyProtocol && server.acceptsProxyProtocol)
            case "resolved":
                if case .resolved(let upstream) = server.target { return .string(upstream.address) }
                return .bool(false)
            case "group":
                if case .group = server.target { return .string(StreamView.upstreamName(server)) }
                return .bool(false)
            default: return nil
            }
        }
    }
}

import PorticoRouting

/// What the `--configmap` ConfigMap gives the template: the http context's settings, and the
/// headers every proxy sends. Without the option, nginx.conf's values as before.
struct GlobalConfigView: TemplateContext {
    let global: GlobalConfig

    /// The template's top-level names that the ConfigMap decides, or nil for another name.
    static func value(for key: String, _ global: GlobalConfig?, options: RenderOptions) -> TemplateValue? {
        switch key {
        case "global_config": return global.map { .context(GlobalConfigView(global: $0)) } ?? .bool(false)
        case "server_tokens": return .string(global?.serverTokens == true ? "on" : "off")
        case "proxy_protocol": return .string(global?.useProxyProtocol == true ? " proxy_protocol" : "")
        case "forwarded_for": return .string(global?.forwardedForValue ?? "$proxy_add_x_forwarded_for")
        case "forwarded_proto": return .string(global?.useForwardedHeaders == true ? "$portico_forwarded_proto" : "$scheme")
        case "forwarded_host": return .string(global?.useForwardedHeaders == true ? "$portico_forwarded_host" : "$portico_host")
        case "hsts":
            let value = global?.setsHSTS == true ? global?.strictTransportSecurity : options.strictTransportSecurity
            return value.map(TemplateValue.string) ?? .bool(false)
        default: return nil
        }
    }

    func value(for key: String) -> TemplateValue? {
        func number(_ n: Int?) -> TemplateValue { n.map { .string("\($0)") } ?? .bool(false) }
        switch key {
        case "keepalive_timeout": return number(global.keepAliveSeconds)
        case "keepalive_requests": return number(global.keepAliveRequests)
        case "limit_req_status": return number(global.limitReqStatus)
        case "limit_conn_status": return number(global.limitConnStatus)
        case "real_ip_header":
            guard !global.realIPFrom.isEmpty, let header = global.realIPHeader else { return .bool(false) }
            return .string(header)
        case "real_ip_from": return .list(global.realIPFrom.map { .string($0.text) })
        case "forwarded_headers": return .bool(global.useForwardedHeaders)
        case "full_forwarded_for": return .bool(global.useForwardedHeaders && global.computeFullForwardedFor)
        case "connection_address": return .string(global.connectionAddress)
        default: return nil
        }
    }
}

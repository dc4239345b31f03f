import Foundation
import PorticoPCRE
import PorticoRouting

/// What ingress-nginx's ConfigMap (`--configmap`) must have made of the http context, worked out
/// from the table's `GlobalConfig` alone: the exact lines of its settings, the maps of the
/// forwarded headers, and the header values every proxy sends. Without the option: nginx.conf's
/// headers and `server_tokens off`, and nothing else.
package struct PredictedGlobal: Sendable, Equatable {
    package var forwardedFor = "$proxy_add_x_forwarded_for"
    package var forwardedProto = "$scheme"
    package var forwardedHost = "$portico_host"
    /// The http context's lines of `names`, in the template's order.
    package var lines = ["server_tokens off"]
    /// `source result` → lines, for the maps the ConfigMap adds.
    package var maps: [String: [String]] = [:]
    /// Every HTTP and HTTPS listener reads a PROXY protocol header.
    package var proxyProtocol = false

    /// The directives of the http context the ConfigMap decides.
    static let names: Set<String> = [
        "server_tokens", "keepalive_timeout", "keepalive_requests", "limit_req_status", "limit_conn_status", "real_ip_header",
        "real_ip_recursive", "set_real_ip_from",
    ]
    static let protoMap = "$http_x_forwarded_proto $portico_forwarded_proto"
    static let hostMap = "$http_x_forwarded_host $portico_forwarded_host"
    static let fullMap = "$http_x_forwarded_for $portico_full_forwarded_for"
    static let mapNames = [protoMap, hostMap, fullMap]

    init(_ global: GlobalConfig?) {
        guard let g = global else { return }
        lines = ["server_tokens " + (g.serverTokens ? "on" : "off")]
        if let n = g.keepAliveSeconds { lines.append("keepalive_timeout \(n)s") }
        if let n = g.keepAliveRequests { lines.append("keepalive_requests \(n)") }
        if let n = g.limitReqStatus { lines.append("limit_req_status \(n)") }
        if let n = g.limitConnStatus { lines.append("limit_conn_status \(n)") }
        // The real-IP module only when some address is believed, and then from a header or PROXY.
        if !g.realIPFrom.isEmpty, g.useProxyProtocol || g.useForwardedHeaders {
            lines.append("real_ip_header " + (g.useProxyProtocol ? "proxy_protocol" : g.forwardedForHeader))
            lines.append("real_ip_recursive on")
            lines += g.realIPFrom.map { "set_real_ip_from " + $0.text }
        }
        proxyProtocol = g.useProxyProtocol
        forwardedFor = "$remote_addr"
        if g.useForwardedHeaders {
            forwardedProto = "$portico_forwarded_proto"
            forwardedHost = "$portico_forwarded_host"
            maps[Self.protoMap] = [#""" $scheme"#, "default $http_x_forwarded_proto"]
            maps[Self.hostMap] = [#""" $portico_host"#, "default $http_x_forwarded_host"]
            if g.computeFullForwardedFor {
                forwardedFor = "$portico_full_forwarded_for"
                let address = g.useProxyProtocol ? "$proxy_protocol_addr" : "$realip_remote_addr"
                maps[Self.fullMap] = [#""" "# + address, #"default "$http_x_forwarded_for, "# + address + #"""#]
            }
        }
    }

    /// A header line of the template's defaults (`... X-Forwarded-For $proxy_add_x_forwarded_for`)
    /// with the values predicted.
    package func header(_ line: String) -> String {
        var parts = line.split(separator: " ").map(String.init)
        guard parts.count >= 2 else { return line }
        switch parts[parts.count - 2] {
        case "X-Forwarded-For": parts[parts.count - 1] = forwardedFor
        case "X-Forwarded-Proto": parts[parts.count - 1] = forwardedProto
        case "X-Forwarded-Host": parts[parts.count - 1] = forwardedHost
        default: break
        }
        return parts.joined(separator: " ")
    }

    /// The forwarded headers every proxy that sets its own must send, by name.
    package var forwardedHeaders: [String: String] {
        var headers = Allowlist.forwardedHeaders
        headers["X-Forwarded-For"] = forwardedFor
        headers["X-Forwarded-Proto"] = forwardedProto
        headers["X-Forwarded-Host"] = forwardedHost
        return headers
    }
}

extension Allowlist {
    /// The directives of the http context the ConfigMap may add (their values are checked exactly).
    static let globalHTTP = patterns([
        #"^server_tokens (on|off)$"#, #"^keepalive_timeout \d{1,4}s$"#, #"^keepalive_requests \d{1,9}$"#,
        #"^limit_(req|conn)_status [45]\d\d$"#, #"^real_ip_header (proxy_protocol|[A-Za-z0-9_-]{1,64})$"#, #"^real_ip_recursive on$"#,
        #"^set_real_ip_from [0-9a-f.:]+/\d{1,3}$"#,
        #"^proxy_set_header (X-Forwarded-For \$(remote_addr|portico_full_forwarded_for)|X-Forwarded-Proto \$portico_forwarded_proto|X-Forwarded-Host \$portico_forwarded_host)$"#,
    ])
    static let globalBlocks = PredictedGlobal.mapNames.map { pattern("^map " + $0.replacingOccurrences(of: "$", with: #"\$"#) + "$") }
    /// The same header values in a named location that sets headers of its own.
    static let globalProxyHeaders = patterns([
        #"^(proxy|grpc)_set_header (X-Forwarded-For \$(remote_addr|portico_full_forwarded_for)|X-Forwarded-Proto \$portico_forwarded_proto|X-Forwarded-Host \$portico_forwarded_host)$"#,
    ])
}

extension CheckRun {
    /// The http context's ConfigMap lines, its headers and its maps: exactly as predicted.
    mutating func checkGlobal(_ http: ConfigDirective, maps: [String: ConfigDirective]) {
        let global = prediction.global
        // With TLS passthrough the real_ip lines are its own (checkPassthroughHTTP), the ConfigMap's refused.
        let passthroughs = passthrough == nil ? [] : ["set_real_ip_from", "real_ip_header", "real_ip_recursive"]
        let lines = http.children.filter { $0.block == nil && PredictedGlobal.names.contains($0.name) && !passthroughs.contains($0.name) }
            .map(\.description)
        if lines != global.lines { fail(http, "the ConfigMap's settings are \(lines), expected \(global.lines)") }
        let headers = http.children.filter { $0.name == "proxy_set_header" }.map(\.description)
        let expected = Self.serverHeaders.map { "proxy_set_header " + global.header($0) }
        if headers != expected { fail(http, "the http context sends headers \(headers), expected \(expected)") }
        for name in PredictedGlobal.mapNames {
            let expected = global.maps[name]
            guard let map = maps[name] else {
                if expected != nil { fail(http, "no map \(name)") }
                continue
            }
            if map.children.map(\.description) != expected || map.children.contains(where: { $0.block != nil }) {
                fail(map, expected == nil ? "map \(name) without use-forwarded-headers" : "map \(name) is not \(expected ?? [])")
            }
        }
    }
}

import PorticoRouting

/// A named location's `proxy-ssl-*` (`{{module}}_ssl_*`: proxy_ssl_* for HTTPS, grpc_ssl_* for
/// GRPCS), as ingress-nginx's template writes them: the verification, ciphers and protocols with
/// the authorities, the name when one is set, SNI on or off, and the client certificate's file
/// (chain and key in one) for both the certificate and its key. Only file names: never their content.
struct ProxySSLView: TemplateContext {
    let ssl: ProxySSL

    func value(for key: String) -> TemplateValue? {
        func optional(_ v: String?) -> TemplateValue { v.map(TemplateValue.string) ?? .bool(false) }
        switch key {
        case "ssl_certificate": return optional(ssl.certificate)
        case "ssl_authorities": return optional(ssl.authorities)
        case "ssl_verify": return .string(ssl.verify ? "on" : "off")
        case "ssl_depth": return .string("\(ssl.depth)")
        case "ssl_name": return optional(ssl.name)
        case "ssl_server_name": return .string(ssl.serverName ? "on" : "off")
        case "ssl_ciphers": return optional(ssl.ciphers)
        case "ssl_protocols": return optional(ssl.protocols?.joined(separator: " "))
        default: return nil
        }
    }
}

/// `proxy-ssl-*`: how nginx speaks TLS to an HTTPS or GRPCS backend, as ingress-nginx reads the
/// annotations: the client certificate it presents (`proxy-ssl-secret`'s `tls.crt` and `tls.key`),
/// the authorities the backend's certificate must chain to (its `ca.crt`), and the verification,
/// name, SNI, ciphers and protocols. Part of a named location's settings, so routes with other
/// certificates or authorities never share one. Every value has been validated; the files are
/// named by their content (`auth/<hex>.client.pem`, `auth/<hex>.ca.pem`).
public struct ProxySSL: Sendable, Hashable {
    /// `proxy_ssl_certificate` and `proxy_ssl_certificate_key`: the chain and key in one file; nil
    /// when the Secret has no `tls.crt` and `tls.key`.
    public var certificate: String?
    /// `proxy_ssl_trusted_certificate`; nil when the Secret has no `ca.crt` (then nothing is
    /// verified: verification asked for without one answers 503 instead).
    public var authorities: String?
    /// `proxy-ssl-verify: on`.
    public var verify: Bool
    /// `proxy-ssl-verify-depth`: 1 (ingress-nginx's default) to 16.
    public var depth: Int
    /// `proxy-ssl-name`: the name the backend's certificate is verified against (and sent as SNI);
    /// nil: the upstream's name (nginx's `$proxy_host` without its port).
    public var name: String?
    /// `proxy-ssl-server-name: on`: SNI to the backend.
    public var serverName: Bool
    /// `proxy_ssl_ciphers`, an OpenSSL cipher string of known tokens; nil: nginx's default.
    public var ciphers: String?
    /// `proxy_ssl_protocols`, sorted; nil: nginx's default.
    public var protocols: [String]?

    public init(
        certificate: String? = nil, authorities: String? = nil, verify: Bool = false, depth: Int = 1, name: String? = nil,
        serverName: Bool = false, ciphers: String? = nil, protocols: [String]? = nil
    ) {
        self.certificate = certificate
        self.authorities = authorities
        self.verify = verify
        self.depth = depth
        self.name = name
        self.serverName = serverName
        self.ciphers = ciphers
        self.protocols = protocols
    }

    /// ingress-nginx's defaults, written with the authorities: `DEFAULT` and `TLSv1.2`.
    public static let defaultCiphers = "DEFAULT"
    public static let defaultProtocols = ["TLSv1.2"]
    /// The protocols ingress-nginx's annotation takes.
    public static let knownProtocols: Set<String> = ["TLSv1.2", "TLSv1.3"]

    /// The settings as one stable string, part of a named location's identity.
    public var canonical: String {
        var parts = ["ssl"]
        if let certificate { parts.append("cert=" + certificate) }
        if let authorities { parts.append("ca=" + authorities) }
        parts.append("verify=\(verify ? "on" : "off")/\(depth)")
        if let name { parts.append("name=" + name) }
        if serverName { parts.append("sni") }
        if let ciphers { parts.append("ciphers=" + ciphers) }
        if let protocols { parts.append("protocols=" + protocols.joined(separator: "+")) }
        return parts.joined(separator: ",")
    }
}

import Foundation

/// How a virtual host named in an Ingress's `spec.tls` is served over HTTPS.
public struct HostTLS: Sendable, Hashable {
    /// The certificate file presented for this host's SNI; nil: the default certificate (the Secret
    /// is missing or invalid, with a diagnostic).
    public var certificate: String?
    /// The `spec.tls` entry that gave it: the oldest Ingress naming this host.
    public var source: ObjectReference
    public var field: String

    public init(certificate: String?, source: ObjectReference, field: String) {
        self.certificate = certificate
        self.source = source
        self.field = field
    }
}

/// A certificate chain and its key as nginx reads them: one PEM file, named by its content, so
/// that a renewed certificate is a new file and the config that names it a new config. `pem` is key
/// material: it goes into that file and nowhere else (never a log, a diagnostic or printed config).
public struct CertificateFile: Sendable, Hashable, CustomStringConvertible {
    /// `tls/<hex>.pem`, relative to nginx's prefix.
    public var path: String
    public var pem: String
    /// The Secret it came from, the hosts it serves and when it expires (for metrics and messages).
    public var secret: ObjectReference
    public var hosts: [String]
    public var notAfter: Date

    public init(path: String, pem: String, secret: ObjectReference, hosts: [String], notAfter: Date) {
        self.path = path
        self.pem = pem
        self.secret = secret
        self.hosts = hosts
        self.notAfter = notAfter
    }

    /// Never the key: the path and where it came from.
    public var description: String { "\(path) (from \(secret))" }
}

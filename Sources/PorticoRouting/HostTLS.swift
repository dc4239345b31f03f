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
/// Equal files have equal paths: the content is not compared.
public struct CertificateFile: Sendable, Hashable, CustomStringConvertible {
    /// `tls/<hex>.pem`, relative to nginx's prefix.
    public var path: String
    /// The file's content: made again from the Secret when the routing pass that gave this file did
    /// not validate the Secret itself (the validated certificates kept between passes keep no PEM:
    /// at 10,000 Secrets that was every chain and key a second time). Written once, a file is
    /// not asked for its content again.
    public var pem: String { content.pem() }
    let content: CertificateContent
    /// The Secret it came from, the hosts it serves and when it expires (for metrics and messages).
    public var secret: ObjectReference
    public var hosts: [String]
    public var notAfter: Date

    public init(path: String, pem: String, secret: ObjectReference, hosts: [String], notAfter: Date) {
        self.init(path: path, content: CertificateContent { pem }, secret: secret, hosts: hosts, notAfter: notAfter)
    }

    init(path: String, content: CertificateContent, secret: ObjectReference, hosts: [String], notAfter: Date) {
        self.path = path
        self.content = content
        self.secret = secret
        self.hosts = hosts
        self.notAfter = notAfter
    }

    public static func == (a: CertificateFile, b: CertificateFile) -> Bool {
        a.path == b.path && a.secret == b.secret && a.hosts == b.hosts && a.notAfter == b.notAfter
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(secret)
        hasher.combine(hosts)
        hasher.combine(notAfter)
    }

    /// Never the key: the path and where it came from.
    public var description: String { "\(path) (from \(secret))" }
}

/// How a certificate file's content is made: given, or validated again from the Secret's data.
final class CertificateContent: Sendable {
    let pem: @Sendable () -> String
    init(_ pem: @escaping @Sendable () -> String) { self.pem = pem }
}

/// A validated certificate chain and its private key, ready to be written for nginx.
public struct CertificateBundle: Sendable, Equatable {
    /// The CERTIFICATE blocks, leaf first, re-encoded as clean PEM (no other text), each ending in a newline.
    public let chainPEM: String
    /// The private key as clean PEM, in the type it was stored as (PKCS#8, PKCS#1 or SEC1).
    public let keyPEM: String
    public let leaf: CertificateSummary

    /// One file nginx can use for both `ssl_certificate` and `ssl_certificate_key`: chain, then key.
    public var pem: String { chainPEM + keyPEM }
}

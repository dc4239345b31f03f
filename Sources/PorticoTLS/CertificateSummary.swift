import Foundation

/// What Portico needs to know of a leaf certificate: for messages, for warnings and for choosing
/// which hosts it serves.
public struct CertificateSummary: Sendable, Equatable {
    /// A readable subject, e.g. `CN=www.example.com,O=Example`.
    public let subject: String
    /// The subjectAltName dNSNames, lowercased; the subject's CN only when there is no
    /// subjectAltName extension (as browsers no longer read the CN when there is one).
    public let dnsNames: [String]
    public let notBefore: Date
    public let notAfter: Date
    /// Lowercase hex SHA-256 of the leaf's DER.
    public let sha256Fingerprint: String
    /// "RSA 2048", "ECDSA P-256", "ECDSA P-384" or "Ed25519".
    public let keyDescription: String

    /// Whether one of `dnsNames` covers `host`, case-insensitively: the exact name, or a wildcard
    /// `*.example.com` covering exactly one more label (`a.example.com`, not `a.b.example.com` nor
    /// `example.com`). A wildcard host `*.example.com` is covered by the same wildcard name.
    public func covers(host: String) -> Bool {
        guard !host.isEmpty else { return false }
        // Routing's hosts are lowercase already: the usual answer without a copy.
        if dnsNames.contains(host) { return true }
        let host = host.lowercased()
        return dnsNames.contains { name in
            if name == host { return true }
            guard name.hasPrefix("*."), name.count > 2 else { return false }
            let suffix = name.dropFirst()  // ".example.com"
            guard host.hasSuffix(suffix) else { return false }
            let label = host.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
    }
}

/// Why a Secret's tls.crt and tls.key cannot be served. The message names the field, says what is
/// wrong and what to do, and never quotes key material or PEM text.
public struct CertificateProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes: tooling and tests match on these, never on message text.
    public enum Code: String, Sendable {
        case tooLarge = "too-large"
        case malformed = "malformed"
        case noCertificate = "no-certificate"
        case noKey = "no-key"
        case encryptedKey = "encrypted-key"
        case unsupportedKey = "unsupported-key"
        case keyMismatch = "key-mismatch"
        case tooManyCertificates = "too-many-certificates"
        /// `SelfSignedCertificate` was given a name it cannot put in a certificate.
        case cannotGenerate = "cannot-generate"
    }

    public let code: Code
    /// e.g. `tls.key is an encrypted private key; nginx cannot use it without a passphrase: store it unencrypted`
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// `auth-tls-secret` and its settings: a host whose clients must present a certificate issued by
/// the Secret's authorities (ingress-nginx's mutual TLS). nginx verifies client certificates per
/// `server`, so such a host is served by a `server` of its own, chosen by SNI and Host
/// (docs/data-plane.md); every value has been validated.
public struct ClientCertificate: Sendable, Hashable {
    /// `auth-tls-verify-client`, nginx's `ssl_verify_client`.
    public enum Verification: String, Sendable, Hashable, CaseIterable {
        /// A certificate the authorities issued is required (ingress-nginx's default).
        case on
        /// None is asked for; the ssl-client-* headers say so.
        case off
        /// One is asked for; a certificate that does not verify is refused, none passes.
        case optional
        /// One is asked for and passes whoever issued it; `ssl-client-verify` tells the backend.
        case optionalNoCA = "optional_no_ca"
    }

    /// The authorities' file (`AuthFile.path`): `auth/` and 32 hex digits of its content's SHA-256, `.ca.pem`.
    public var authorities: String
    public var verification: Verification
    /// `auth-tls-verify-depth`: 1 (ingress-nginx's default) to 16.
    public var depth: Int
    /// `auth-tls-error-page`: an http or https URL that nginx's 495 and 496 (a certificate that
    /// does not verify, none sent) redirect to; nil: nginx's 400.
    public var errorPage: String?
    /// `auth-tls-pass-certificate-to-upstream`: the client's certificate, URL-escaped PEM, in the
    /// `ssl-client-cert` header.
    public var passCertificate: Bool
    /// The Ingress whose annotations decided it (the oldest of the host with `auth-tls-secret`).
    public var source: ObjectReference
    /// The Secret holding `ca.crt`.
    public var secret: ObjectReference

    public init(
        authorities: String, verification: Verification = .on, depth: Int = 1, errorPage: String? = nil, passCertificate: Bool = false,
        source: ObjectReference, secret: ObjectReference
    ) {
        self.authorities = authorities
        self.verification = verification
        self.depth = depth
        self.errorPage = errorPage
        self.passCertificate = passCertificate
        self.source = source
        self.secret = secret
    }
}

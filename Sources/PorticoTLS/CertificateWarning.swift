/// Something wrong with a certificate that is served anyway: refusing it would turn a late renewal
/// or a missing name into an outage for every host on the server.
public struct CertificateWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case expired = "expired"
        case notYetValid = "not-yet-valid"
        case doesNotCoverHost = "does-not-cover-host"
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A request that got no HTTP answer: the connection, TLS or a timeout failed, or the task was
/// cancelled. An HTTP answer with an error status is a `KubeAPIError` instead.
public struct KubeTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// DNS, TCP connect or the proxy failed.
        case couldNotConnect = "could-not-connect"
        /// Certificate verification or the handshake failed.
        case tls
        /// The whole request took longer than its timeout.
        case timedOut = "timed-out"
        /// A stream delivered no bytes (not even a bookmark) for longer than its idle timeout.
        case idle
        /// The connection closed or broke in the middle of a response.
        case connectionLost = "connection-lost"
        /// The client certificate, key or CA bytes were rejected by libcurl.
        case invalidCredentials = "invalid-credentials"
        case cancelled
        /// Any other libcurl failure; `detail` carries curl's own message.
        case curl
    }

    public var code: Code
    /// `GET https://10.0.0.1:6443/api/v1/services`
    public var request: String
    public var detail: String

    public var description: String {
        "\(request): \(detail) [\(code.rawValue)]" + (hint.map { "; \($0)" } ?? "")
    }

    var hint: String? {
        switch code {
        case .couldNotConnect:
            "check that the API server address in the kubeconfig (or KUBERNETES_SERVICE_HOST) is reachable"
        case .tls:
            "check certificate-authority(-data) and the server name; use insecure-skip-tls-verify only for tests"
        case .invalidCredentials:
            "check client-certificate(-data) and client-key(-data): both must be PEM and belong together"
        case .timedOut, .idle, .connectionLost, .cancelled, .curl: nil
        }
    }

    /// Retrying the same request later may succeed.
    public var isTransient: Bool {
        switch code {
        case .couldNotConnect, .timedOut, .idle, .connectionLost, .curl, .tls: true
        case .invalidCredentials, .cancelled: false
        }
    }
}

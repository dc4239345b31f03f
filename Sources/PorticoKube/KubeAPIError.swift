import Foundation

/// The API server answered with an error status. The message is the server's own (from the
/// `Status` body) followed by what to do about it.
public struct KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (or the watch ERROR event's code).
    public var code: Int
    /// The Status reason (`Forbidden`), when the server sent one.
    public var reason: String?
    /// The Status message, or the start of a body that was not a Status.
    public var message: String
    /// `list ingresses.networking.k8s.io (all namespaces)`
    public var operation: String
    /// Seconds the server asked us to wait (`Retry-After`, `details.retryAfterSeconds`).
    public var retryAfterSeconds: Int?

    public init(
        code: Int, reason: String? = nil, message: String, operation: String, retryAfterSeconds: Int? = nil
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.operation = operation
        self.retryAfterSeconds = retryAfterSeconds
    }

    init(response: HTTPResponse, operation: String) {
        let status = try? JSONDecoder().decode(KubeStatus.self, from: response.body)
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var retryAfter = response.headers["retry-after"].flatMap { Int($0) }
        if retryAfter == nil { retryAfter = status?.details?.retryAfterSeconds }
        self.init(
            code: response.status, reason: status?.reason,
            message: status?.message ?? (text.isEmpty ? "HTTP \(response.status) with an empty body" : text),
            operation: operation, retryAfterSeconds: retryAfter)
    }

    init(status: KubeStatus, operation: String) {
        self.init(
            code: status.code ?? 500, reason: status.reason, message: status.message ?? "watch error",
            operation: operation, retryAfterSeconds: status.details?.retryAfterSeconds)
    }

    public var description: String {
        var text = "\(code)"
        if let reason { text += " \(reason)" }
        text += ": \(message) (\(operation))"
        if let hint { text += "; \(hint)" }
        return text
    }

    /// What to do, by status.
    public var hint: String? {
        switch code {
        case 401:
            "the API server rejected the credentials: renew the token or client certificate in the kubeconfig, or check the service account token"
        case 403:
            "grant it in the ClusterRole (see rc.yaml)"
        case 404:
            "check the namespace and name, and that the cluster serves this API group and version"
        case 409:
            "the object changed since it was read; read it again and retry"
        case 410:
            "the resourceVersion is too old; list again"
        case 422:
            "the API server rejected the object as invalid; fix the field named in the message"
        case 429:
            "the API server is rate limiting; retry later"
        case 500...599:
            "the API server failed; retry later"
        default: nil
        }
    }

    /// Retrying later may succeed (429, 5xx).
    public var isTransient: Bool { code == 429 || (500...599).contains(code) }
    /// The resourceVersion is no longer served: list again.
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
    public var isNotFound: Bool { code == 404 }
    public var isConflict: Bool { code == 409 }
    public var isUnauthorized: Bool { code == 401 }
}

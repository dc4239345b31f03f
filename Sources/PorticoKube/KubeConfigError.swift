/// Configuration that cannot be used: a kubeconfig, the in-cluster service account files, or an
/// exec credential plugin. The description names the file, the context and the field, and says
/// what to do.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// No kubeconfig exists where one was looked for, and we are not in a cluster.
        case noConfiguration = "no-configuration"
        case unreadableFile = "unreadable-file"
        case invalidKubeconfig = "invalid-kubeconfig"
        case noCurrentContext = "no-current-context"
        case contextNotFound = "context-not-found"
        case clusterNotFound = "cluster-not-found"
        case userNotFound = "user-not-found"
        case missingField = "missing-field"
        case invalidField = "invalid-field"
        case unsupportedAuthentication = "unsupported-authentication"
        /// `KUBERNETES_SERVICE_HOST`/`_PORT` unset or a service account file missing.
        case notInCluster = "not-in-cluster"
        case execPluginFailed = "exec-plugin-failed"
        case execPluginInvalidOutput = "exec-plugin-invalid-output"
    }

    public var code: Code
    /// The kubeconfig path, `in-cluster`, or the exec plugin's command.
    public var source: String
    public var context: String?
    /// The offending field, as a path (`users[dev].user.client-certificate`).
    public var field: String?
    public var reason: String
    public var hint: String?

    public init(
        _ code: Code, source: String, context: String? = nil, field: String? = nil, reason: String,
        hint: String? = nil
    ) {
        self.code = code
        self.source = source
        self.context = context
        self.field = field
        self.reason = reason
        self.hint = hint
    }

    public var description: String {
        var parts = [source]
        if let context { parts.append("context \"\(context)\"") }
        if let field { parts.append(field) }
        parts.append(reason)
        var text = parts.joined(separator: ": ")
        if let hint { text += "; \(hint)" }
        return text + " [\(code.rawValue)]"
    }
}

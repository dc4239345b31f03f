import PorticoModel

/// Something about an object that Portico could not serve as written. Every diagnostic names the
/// object, the field and why, and says what Portico did instead.
public struct Diagnostic: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Stable codes: tooling and tests match on these, never on message text.
    public enum Code: String, Sendable, Hashable {
        case invalidName = "invalid-name"
        case invalidHost = "invalid-host"
        case invalidPath = "invalid-path"
        case invalidPathType = "invalid-path-type"
        case invalidBackend = "invalid-backend"
        case invalidAnnotation = "invalid-annotation"
        case invalidTLS = "invalid-tls"
        case unsupportedAnnotation = "unsupported-annotation"
        case serviceNotFound = "service-not-found"
        case portNotFound = "port-not-found"
        case invalidService = "invalid-service"
        case conflict = "conflict"
        case duplicateObject = "duplicate-object"
        case tooManyPaths = "too-many-paths"
        case emptyRule = "empty-rule"
        /// The Ingress belongs to another controller's class: not served (info, not a problem).
        case otherClass = "other-class"
        /// A certificate served anyway: expired, not yet valid, or not naming the host.
        case certificateWarning = "certificate-warning"
        /// `spec.tls` asks for HTTPS, and this Portico does not listen for it.
        case tlsNotServed = "tls-not-served"
        /// An access-control annotation Portico cannot honour: the Ingress is left out (fails closed).
        case accessControlNotHonoured = "access-control-not-honoured"
        /// A canary Ingress's path (or default backend) that takes no requests: no main route has
        /// its host and path, or that route does not proxy; the main route keeps its traffic.
        case canaryNotServed = "canary-not-served"
        /// Authentication was asked for and cannot be set up (its Secret is missing or unusable,
        /// its URL is not one): the Ingress's paths answer 503, never open.
        case authUnavailable = "auth-unavailable"
        /// A `tcp-services`/`udp-services` entry that is not served as written.
        case invalidStreamService = "invalid-stream-service"
        /// `--tcp-services-configmap`/`--udp-services-configmap` names a ConfigMap that is not there.
        case configMapNotFound = "configmap-not-found"
        /// A value of the `--configmap` ConfigMap that is not valid: the built-in default applies.
        case invalidConfigMapValue = "invalid-configmap-value"
        /// A key of the `--configmap` ConfigMap that Portico does not read, or refuses (snippets).
        case unsupportedConfigMapKey = "unsupported-configmap-key"
        /// An HTTPRoute a Gateway of Portico's did not accept (its status says the same): not served there.
        case routeNotAccepted = "route-not-accepted"
        /// A field of an accepted HTTPRoute that Portico does not serve yet: nginx's default applies.
        case unsupportedRouteField = "unsupported-route-field"

        /// Info diagnostics say what happened to an object that is fine as it is; they make no
        /// Event and do not fail `render --strict`.
        public var severity: Severity { self == .otherClass ? .info : .warning }
    }

    public enum Severity: String, Sendable, Hashable {
        case info
        case warning
    }

    public var code: Code
    public var object: ObjectReference
    /// The field path inside the object, e.g. `spec.rules[0].http.paths[1].path`.
    public var field: String
    public var message: String

    public init(_ code: Code, _ object: ObjectReference, field: String, _ message: String) {
        self.code = code
        self.object = object
        self.field = field
        self.message = message
    }

    public var severity: Severity { code.severity }

    /// `warning: ingress default/web: spec.rules[0].http.paths[1]: service "api" not found; answers 503`
    public var description: String {
        let level = severity.rawValue
        return field.isEmpty ? "\(level): \(object): \(message)" : "\(level): \(object): \(field): \(message)"
    }
}

/// Kind, namespace and name of an object. Printing escapes whatever is not a plain name, so that a
/// hostile name can never forge a line of output or a log entry.
public struct ObjectReference: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// An Ingress as diagnostics, status and Events name it.
    public init(_ ingress: Ingress) {
        self.init(kind: "Ingress", namespace: ingress.metadata.effectiveNamespace, name: ingress.metadata.name)
    }

    public var description: String {
        "\(kind.lowercased()) \(Self.printable(namespace))/\(Self.printable(name))"
    }

    public static func < (a: ObjectReference, b: ObjectReference) -> Bool {
        (a.namespace, a.name, a.kind) < (b.namespace, b.name, b.kind)
    }

    static func printable(_ s: String) -> String {
        Validation.isSubdomain(s) ? s : quoted(s)
    }
}

/// A value from an object, quoted for a message: control, line-breaking and invisible format
/// characters are escaped and long values are cut, so the message stays one honest line.
func quoted(_ value: String, limit: Int = 80) -> String {
    MessageText.quoted(value, limit: limit)
}

/// Something in a manifest that Kubernetes would warn about and Portico reads past: a field the
/// kind's schema does not have (`pathtype` for `pathType`, `serviceName` in a v1 Ingress), which
/// `kubectl apply` reports as `Warning: unknown field "spec.rules[0].http.paths[0].pathtype"` and
/// the API server drops. The object is decoded all the same.
public struct ManifestWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file, as given to `ManifestDecoder.decodeWithWarnings(_:source:)`.
    public var source: String
    /// 1-based, as in `ManifestError`.
    public var document: Int
    /// Kind, namespace and name: `ingress default/web`, `ingressclass portico`; escaped.
    public var object: String
    /// The field's path inside the object, as the API server names it: raw text from the file,
    /// which may hold any character. `description` quotes it safely; print that.
    public var field: String

    public init(source: String, document: Int, object: String, field: String) {
        self.source = source
        self.document = document
        self.object = object
        self.field = field
    }

    /// `warning: m.yaml: document 2: ingress default/web: unknown field "spec.rules[0].http.paths[0].pathtype"`,
    /// one line whatever the file holds: the field is quoted, escaped and cut at 200 characters.
    public var description: String {
        "warning: \(source): document \(document): \(object): unknown field \(MessageText.quoted(field, limit: 200))"
    }

    /// How warnings name an object: lowercased kind, then namespace/name (name alone for the
    /// cluster-scoped IngressClass, GatewayClass and Namespace), each quoted unless it is a plain DNS name.
    static func name(of object: KubeObject) -> String {
        let kind: String, meta: ObjectMeta, namespaced: Bool
        switch object {
        case .ingress(let o): (kind, meta, namespaced) = ("ingress", o.metadata, true)
        case .service(let o): (kind, meta, namespaced) = ("service", o.metadata, true)
        case .secret(let o): (kind, meta, namespaced) = ("secret", o.metadata, true)
        case .configMap(let o): (kind, meta, namespaced) = ("configmap", o.metadata, true)
        case .ingressClass(let o): (kind, meta, namespaced) = ("ingressclass", o.metadata, false)
        case .namespace(let o): (kind, meta, namespaced) = ("namespace", o.metadata, false)
        case .gatewayClass(let o): (kind, meta, namespaced) = ("gatewayclass", o.metadata, false)
        case .gateway(let o): (kind, meta, namespaced) = ("gateway", o.metadata, true)
        case .httpRoute(let o): (kind, meta, namespaced) = ("httproute", o.metadata, true)
        case .referenceGrant(let o): (kind, meta, namespaced) = ("referencegrant", o.metadata, true)
        }
        let name = MessageText.printable(meta.name)
        return namespaced ? "\(kind) \(MessageText.printable(meta.effectiveNamespace))/\(name)" : "\(kind) \(name)"
    }
}

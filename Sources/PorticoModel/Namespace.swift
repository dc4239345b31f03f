/// A core/v1 Namespace, of which Portico reads only the name and labels: a Gateway listener's
/// `allowedRoutes.namespaces.from: Selector` chooses route namespaces by their labels.
public struct Namespace: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) {
        self.apiVersion = "v1"
        self.kind = "Namespace"
        self.metadata = metadata
    }
}

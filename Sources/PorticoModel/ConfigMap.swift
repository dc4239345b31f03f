/// A core/v1 ConfigMap: ingress-nginx's `tcp-services` and `udp-services` (and, later, its global
/// settings). `data` holds strings only; `binaryData` is not read.
public struct ConfigMap: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.apiVersion = "v1"
        self.kind = "ConfigMap"
        self.metadata = metadata
        self.data = data
    }
}

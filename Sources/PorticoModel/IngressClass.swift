/// A `networking.k8s.io/v1` IngressClass: which controller serves Ingresses of a class, and
/// (by annotation) which class an Ingress without one belongs to.
public struct IngressClass: Codable, Sendable, Equatable {
    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: IngressClassSpec

    public init(metadata: ObjectMeta, spec: IngressClassSpec) {
        self.apiVersion = "networking.k8s.io/v1"
        self.kind = "IngressClass"
        self.metadata = metadata
        self.spec = spec
    }

    public var isDefault: Bool { metadata.annotations?[Self.defaultClassAnnotation] == "true" }
}

public struct IngressClassSpec: Codable, Sendable, Equatable {
    public var controller: String?

    public init(controller: String?) { self.controller = controller }
}

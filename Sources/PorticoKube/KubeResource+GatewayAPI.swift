import PorticoModel

// The Gateway API kinds at the versions of the standard channel (ReferenceGrant is still v1beta1
// there), and core Namespaces, whose labels listeners' `allowedRoutes` selectors read.

extension GatewayClass: KubeResource {
    public static let resourceType = KubeResourceType(
        group: GatewayAPI.group, version: "v1", plural: "gatewayclasses", kind: "GatewayClass",
        namespaced: false)
}

extension Gateway: KubeResource {
    public static let resourceType = KubeResourceType(
        group: GatewayAPI.group, version: "v1", plural: "gateways", kind: "Gateway", namespaced: true)
}

extension HTTPRoute: KubeResource {
    public static let resourceType = KubeResourceType(
        group: GatewayAPI.group, version: "v1", plural: "httproutes", kind: "HTTPRoute", namespaced: true)
}

extension ReferenceGrant: KubeResource {
    public static let resourceType = KubeResourceType(
        group: GatewayAPI.group, version: "v1beta1", plural: "referencegrants", kind: "ReferenceGrant",
        namespaced: true)
}

extension Namespace: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false)

    /// Only the name and labels: what a listener's namespace selector reads.
    public static func cached(_ object: Namespace) -> Namespace? {
        Namespace(metadata: ObjectMeta(name: object.metadata.name, labels: object.metadata.labels))
    }
}

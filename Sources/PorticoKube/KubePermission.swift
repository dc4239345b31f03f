import PorticoModel

/// One RBAC grant: `verb` on `resource` (`ingresses`, `ingresses/status`) in API group `group`,
/// cluster-wide (ClusterRole) or in Portico's own namespace (Role), optionally for one name only.
public struct KubePermission: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Scope: String, Sendable, Hashable, Comparable {
        /// A ClusterRole bound by a ClusterRoleBinding.
        case cluster
        /// A Role in the namespace Portico runs in.
        case ownNamespace

        public static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
    }

    public var group: String
    public var resource: String
    public var verb: String
    public var scope: Scope
    /// Set when the grant names one object (`resourceNames` in RBAC).
    public var resourceName: String?

    public init(group: String, resource: String, verb: String, scope: Scope = .cluster, resourceName: String? = nil) {
        self.group = group
        self.resource = resource
        self.verb = verb
        self.scope = scope
        self.resourceName = resourceName
    }

    public init(_ type: KubeResourceType, subresource: String? = nil, _ verb: String, scope: Scope = .cluster,
        resourceName: String? = nil)
    {
        self.init(
            group: type.group, resource: type.plural + (subresource.map { "/\($0)" } ?? ""), verb: verb, scope: scope,
            resourceName: resourceName)
    }

    /// The grant a request needs, from its path (`/api/v1/...` or `/apis/GROUP/VERSION/...`, then
    /// `[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]`) and Kubernetes verb: cluster scope and no
    /// object name, which is all a request log shows. Nil for paths that name no resource.
    public init?(requestPath path: String, verb: String) {
        let parts = path.split(separator: "?")[0].split(separator: "/").map(String.init)
        var rest: ArraySlice<String>
        let group: String
        if parts.first == "api", parts.count >= 3 {
            group = ""
            rest = parts[2...]
        } else if parts.first == "apis", parts.count >= 4 {
            group = parts[1]
            rest = parts[3...]
        } else {
            return nil
        }
        if rest.first == "namespaces", rest.count >= 3 { rest = rest.dropFirst(2) }
        guard let plural = rest.first else { return nil }
        let sub = rest.count >= 3 ? "/" + rest[rest.startIndex + 2] : ""
        self.init(group: group, resource: plural + sub, verb: verb)
    }

    /// `list ingresses.networking.k8s.io`, `get leases.coordination.k8s.io/portico-leader (own namespace)`.
    public var description: String {
        "\(verb) \(resource)\(group.isEmpty ? "" : ".\(group)")\(resourceName.map { "/\($0)" } ?? "")"
            + (scope == .ownNamespace ? " (own namespace)" : "")
    }

    public static func < (a: KubePermission, b: KubePermission) -> Bool {
        (a.scope, a.group, a.resource, a.resourceName ?? "", a.verb) < (b.scope, b.group, b.resource, b.resourceName ?? "", b.verb)
    }
}

/// Every request `portico run` makes of the API server, as RBAC grants: the single list that
/// `rc.yaml`'s ClusterRole and Role must match exactly (Tests/PorticoKubeTests/LeastPrivilegeTests
/// compares them, and checks every request the watcher really sends against it). A new kind of
/// request needs a new entry here, and then a new rule in rc.yaml, or the tests fail.
public enum PorticoPermissions {
    /// The kinds `ClusterWatcher` lists and watches (and `render --from-cluster` lists); Secrets
    /// for the certificates of `spec.tls` (unless `--no-https`); ConfigMaps for the TCP and UDP
    /// services (only those the flags name are read, by name).
    public static let watchedKinds: [KubeResourceType] = [
        Ingress.resourceType, Service.resourceType, IngressClass.resourceType, Secret.resourceType,
        ConfigMap.resourceType,
    ]

    /// Listing and watching the routing inputs.
    public static let watching: Set<KubePermission> = Set(
        watchedKinds.flatMap { [KubePermission($0, "list"), KubePermission($0, "watch")] })

    /// Telling the cluster: Ingress status (a merge patch of the subresource), Events (create; get
    /// an Event another replica created, for its count; patch a recurrence), and the leader
    /// election Lease in Portico's own namespace.
    public static let reporting: Set<KubePermission> = [
        KubePermission(Ingress.resourceType, subresource: "status", "patch"),
        KubePermission(Event.resourceType, "create"),
        KubePermission(Event.resourceType, "get"),
        KubePermission(Event.resourceType, "patch"),
        KubePermission(Lease.resourceType, "create", scope: .ownNamespace),
        KubePermission(Lease.resourceType, "get", scope: .ownNamespace, resourceName: "portico-leader"),
        KubePermission(Lease.resourceType, "update", scope: .ownNamespace, resourceName: "portico-leader"),
    ]

    /// The Gateway API's kinds, and Namespaces for listeners' `allowedRoutes` selectors, watched
    /// unless `--no-gateway-api`.
    public static let gatewayAPIKinds: [KubeResourceType] = [
        GatewayClass.resourceType, Gateway.resourceType, HTTPRoute.resourceType, ReferenceGrant.resourceType,
        Namespace.resourceType,
    ]

    public static let gatewayAPIWatching: Set<KubePermission> = Set(
        gatewayAPIKinds.flatMap { [KubePermission($0, "list"), KubePermission($0, "watch")] })

    /// Gateway API status: a merge patch of the status subresource of each kind Portico reports on.
    public static let gatewayAPIReporting: Set<KubePermission> = [
        KubePermission(GatewayClass.resourceType, subresource: "status", "patch"),
        KubePermission(Gateway.resourceType, subresource: "status", "patch"),
        KubePermission(HTTPRoute.resourceType, subresource: "status", "patch"),
    ]

    /// Every request `portico run` may send.
    public static var required: Set<KubePermission> {
        watching.union(reporting).union(gatewayAPIWatching).union(gatewayAPIReporting)
    }

    /// Whether `required` covers `request` (as `KubePermission(requestPath:verb:)` reads it from a
    /// request log), whatever the grant's scope and object name.
    public static func covers(_ request: KubePermission) -> Bool {
        required.contains { $0.group == request.group && $0.resource == request.resource && $0.verb == request.verb }
    }

    /// What rc.yaml must grant, no more and no less.
    public static var granted: Set<KubePermission> { required }
}

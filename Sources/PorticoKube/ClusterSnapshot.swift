import PorticoModel

/// Reads the objects `portico render --from-cluster [--kubeconfig F] [--context C]` renders from:
/// one complete, paged list of each kind (Ingress, Service, IngressClass; Secrets when asked), each list a
/// consistent snapshot of its kind.
///
/// ```swift
/// let configuration = try KubeConfiguration.automatic(kubeconfig: options.kubeconfig, context: options.context)
/// let state = try await loadClusterSnapshot(configuration: configuration)
/// ```
///
/// - Parameters:
///   - configuration: from `KubeConfiguration.automatic(kubeconfig:context:)` (explicit file,
///     `$KUBECONFIG`, `~/.kube/config`, else in-cluster), `fromKubeconfig` or `inCluster`.
///   - namespace: namespaced kinds are read from this namespace only; nil reads all namespaces.
///   - labelSelector: restricts Ingresses, Services and Secrets.
///   - secrets: list Secrets too (for `spec.tls`, with `--https-port`, and basic authentication),
///     kept as the watch cache keeps them: only their certificates and htpasswd files.
/// - Returns: the objects, each kind sorted by namespace and name.
/// - Throws: `KubeAPIError` (e.g. 403 with the missing RBAC permission), `KubeTransportError`
///   (unreachable server, TLS), `KubeConfigError` (credentials), `KubeDecodingError`.
public func loadClusterSnapshot(
    configuration: KubeConfiguration, namespace: String? = nil, labelSelector: String? = nil, secrets: Bool = false
) async throws -> ClusterState {
    try await loadClusterSnapshot(configuration: configuration, namespace: namespace, labelSelector: labelSelector) { _ in secrets }
}

/// The same, listing Secrets only when `secretsNeeded` says the Ingresses need them (listed after
/// the Ingresses, so that a reader without access to Secrets is asked for them only then).
public func loadClusterSnapshot(
    configuration: KubeConfiguration, namespace: String? = nil, labelSelector: String? = nil,
    secretsNeeded: @Sendable ([Ingress]) -> Bool
) async throws -> ClusterState {
    let client = KubeClient(configuration: configuration)
    async let ingresses = client.list(Ingress.self, namespace: namespace, labelSelector: labelSelector)
    async let services = client.list(Service.self, namespace: namespace, labelSelector: labelSelector)
    async let classes = client.list(IngressClass.self)
    func sorted<R: KubeResource>(_ items: [R]) -> [R] { items.sorted { $0.cacheKey < $1.cacheKey } }
    let listed = sorted(try await ingresses.items)
    let secretList =
        secretsNeeded(listed)
        ? try await client.list(Secret.self, namespace: namespace, labelSelector: labelSelector).items.compactMap(Secret.cached) : []
    return ClusterState(
        ingresses: listed, services: sorted(try await services.items),
        ingressClasses: sorted(try await classes.items), secrets: sorted(secretList))
}

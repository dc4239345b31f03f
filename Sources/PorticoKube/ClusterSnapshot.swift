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
///   - secrets: list Secrets too (for `spec.tls`, with `--https-port`), kept as the watch cache keeps
///     them: only their certificates.
/// - Returns: the objects, each kind sorted by namespace and name.
/// - Throws: `KubeAPIError` (e.g. 403 with the missing RBAC permission), `KubeTransportError`
///   (unreachable server, TLS), `KubeConfigError` (credentials), `KubeDecodingError`.
public func loadClusterSnapshot(
    configuration: KubeConfiguration, namespace: String? = nil, labelSelector: String? = nil, secrets: Bool = false
) async throws -> ClusterState {
    let client = KubeClient(configuration: configuration)
    async let ingresses = client.list(Ingress.self, namespace: namespace, labelSelector: labelSelector)
    async let services = client.list(Service.self, namespace: namespace, labelSelector: labelSelector)
    async let classes = client.list(IngressClass.self)
    async let secretList =
        secrets ? client.list(Secret.self, namespace: namespace, labelSelector: labelSelector).items.compactMap(Secret.cached) : []
    func sorted<R: KubeResource>(_ items: [R]) -> [R] { items.sorted { $0.cacheKey < $1.cacheKey } }
    return ClusterState(
        ingresses: sorted(try await ingresses.items), services: sorted(try await services.items),
        ingressClasses: sorted(try await classes.items), secrets: sorted(try await secretList))
}

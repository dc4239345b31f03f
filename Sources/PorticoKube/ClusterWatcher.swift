import Logging
import PorticoModel

/// Watches the kinds Portico routes from (Ingress, Service, IngressClass; Secrets, ConfigMaps and
/// the Gateway API kinds when asked) and keeps a cache of each equal to the API server's state.
///
/// ```swift
/// let watcher = ClusterWatcher(client: client)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await watcher.run() }
///     for await _ in watcher.changes {
///         reconcile(watcher.snapshot())   // level-based: always the whole current state
///     }
/// }
/// ```
public final class ClusterWatcher: Sendable {
    /// What to watch.
    public struct Scope: Sendable {
        /// Namespaced kinds are watched in this namespace only; nil for all namespaces.
        public var namespace: String?
        /// A label selector (`app=web,tier!=cache`) for Ingresses, Services and Secrets.
        public var labelSelector: String?
        /// Whether Secrets are watched too (`portico run` always does: spec.tls's certificates and
        /// basic authentication's htpasswd files). Only those are kept (`Secret.cached`).
        public var secrets: Bool
        /// The ConfigMaps watched, each by namespace and name (`--tcp-services-configmap`,
        /// `--udp-services-configmap`); only these, whatever the namespace and label selector.
        public var configMaps: [ConfigMapName]
        /// Whether the Gateway API kinds (GatewayClass, Gateway, HTTPRoute, ReferenceGrant) and
        /// Namespaces are watched too. A cluster without the Gateway API's CRDs answers 404: those
        /// caches stay empty, the rest is served, and the group is looked for again now and then.
        public var gatewayAPI: Bool

        public init(
            namespace: String? = nil, labelSelector: String? = nil, secrets: Bool = false, configMaps: [ConfigMapName] = [],
            gatewayAPI: Bool = false
        ) {
            self.gatewayAPI = gatewayAPI
            self.configMaps = configMaps
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.secrets = secrets
        }
    }

    public let scope: Scope
    private let notifier = ChangeNotifier()
    private let ingresses: Reflector<Ingress>
    private let services: Reflector<Service>
    private let ingressClasses: Reflector<IngressClass>
    private let secrets: Reflector<Secret>?
    private let configMaps: [Reflector<ConfigMap>]
    private let gatewayAPI: GatewayAPIReflectors?

    /// `logger` hears of failed lists and watches (warnings, with the error and the retry delay) and
    /// of relists after expiry; by default nothing is logged.
    public init(
        client: KubeClient, scope: Scope = Scope(), settings: WatchSettings = WatchSettings(),
        logger: Logger = Logger(label: "portico.kube", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.scope = scope
        ingresses = Reflector(
            client: client, namespace: scope.namespace, labelSelector: scope.labelSelector,
            settings: settings,
            notifier: notifier, logger: logger)
        services = Reflector(
            client: client, namespace: scope.namespace, labelSelector: scope.labelSelector,
            settings: settings,
            notifier: notifier, logger: logger)
        ingressClasses = Reflector(
            client: client, namespace: nil, labelSelector: nil, settings: settings, notifier: notifier, logger: logger)
        secrets =
            scope.secrets
            ? Reflector(
                client: client, namespace: scope.namespace, labelSelector: scope.labelSelector, settings: settings,
                notifier: notifier, logger: logger) : nil
        let notifier = self.notifier
        configMaps = Set(scope.configMaps).sorted().map { name in
            Reflector(
                client: client, namespace: name.namespace, labelSelector: nil, fieldSelector: "metadata.name=\(name.name)",
                settings: settings, notifier: notifier, logger: logger)
        }
        gatewayAPI =
            scope.gatewayAPI
            ? GatewayAPIReflectors(client: client, namespace: scope.namespace, settings: settings, notifier: notifier, logger: logger)
            : nil
    }

    /// Lists and watches every kind until the task is cancelled; then returns.
    public func run() async throws {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.ingresses.run() }
                group.addTask { try await self.services.run() }
                group.addTask { try await self.ingressClasses.run() }
                if let secrets = self.secrets { group.addTask { try await secrets.run() } }
                for configMaps in self.configMaps { group.addTask { try await configMaps.run() } }
                if let gatewayAPI = self.gatewayAPI {
                    group.addTask { try await gatewayAPI.gatewayClasses.run() }
                    group.addTask { try await gatewayAPI.gateways.run() }
                    group.addTask { try await gatewayAPI.httpRoutes.run() }
                    group.addTask { try await gatewayAPI.referenceGrants.run() }
                    group.addTask { try await gatewayAPI.namespaces.run() }
                }
                try await group.waitForAll()
            }
        } catch is CancellationError {
            return
        }
    }

    /// Wakes once per batch of changes; read `snapshot()` after each element.
    public var changes: ClusterChanges { ClusterChanges(notifier: notifier, start: 0) }

    /// True once every kind has been listed.
    public var isSynced: Bool {
        ingresses.isSynced && services.isSynced && ingressClasses.isSynced && (secrets?.isSynced ?? true)
            && configMaps.allSatisfy(\.isSynced) && (gatewayAPI?.isSynced ?? true)
    }

    /// Waits until every kind has been listed once. Throws `CancellationError` if cancelled first.
    public func waitUntilSynced() async throws {
        var seen: UInt64 = 0
        while !isSynced {
            guard let generation = await notifier.wait(after: seen) else { throw CancellationError() }
            seen = generation
        }
    }

    /// The cached objects of every kind, each list sorted by namespace and name.
    public func snapshot() -> ClusterState {
        var state = ClusterState(
            ingresses: ingresses.items, services: services.items, ingressClasses: ingressClasses.items,
            secrets: secrets?.items ?? [])
        state.configMaps = configMaps.flatMap(\.items)
        if let gatewayAPI {
            state.gatewayClasses = gatewayAPI.gatewayClasses.items
            state.gateways = gatewayAPI.gateways.items
            state.httpRoutes = gatewayAPI.httpRoutes.items
            state.referenceGrants = gatewayAPI.referenceGrants.items
            state.namespaces = gatewayAPI.namespaces.items
        }
        return state
    }

    /// One cached object, without building a whole snapshot.
    public func ingress(namespace: String, name: String) -> Ingress? {
        ingresses.item(forKey: "\(namespace)/\(name)")
    }

    public func service(namespace: String, name: String) -> Service? {
        services.item(forKey: "\(namespace)/\(name)")
    }

    public func secret(namespace: String, name: String) -> Secret? {
        secrets?.item(forKey: "\(namespace)/\(name)")
    }

    public func ingressClass(name: String) -> IngressClass? {
        ingressClasses.item(forKey: name)
    }

    /// All kinds' counters added up.
    public var statistics: WatchStatistics {
        ingresses.statistics + services.statistics + ingressClasses.statistics + (secrets?.statistics ?? WatchStatistics())
            + configMaps.reduce(WatchStatistics()) { $0 + $1.statistics } + (gatewayAPI?.statistics ?? WatchStatistics())
    }
}

/// The Gateway API's kinds, whose group the cluster may not serve, and Namespaces (served always,
/// but read only for the Gateway API).
private struct GatewayAPIReflectors: Sendable {
    let gatewayClasses: Reflector<GatewayClass>
    let gateways: Reflector<Gateway>
    let httpRoutes: Reflector<HTTPRoute>
    let referenceGrants: Reflector<ReferenceGrant>
    let namespaces: Reflector<Namespace>

    init(client: KubeClient, namespace: String?, settings: WatchSettings, notifier: ChangeNotifier, logger: Logger) {
        let group = OptionalAPIGroup(group: GatewayAPI.group, recheck: settings.absentGroupRecheck, logger: logger)
        gatewayClasses = Reflector(
            client: client, namespace: nil, labelSelector: nil, settings: settings, notifier: notifier, logger: logger,
            optionalGroup: group)
        gateways = Reflector(
            client: client, namespace: namespace, labelSelector: nil, settings: settings, notifier: notifier, logger: logger,
            optionalGroup: group)
        httpRoutes = Reflector(
            client: client, namespace: namespace, labelSelector: nil, settings: settings, notifier: notifier, logger: logger,
            optionalGroup: group)
        referenceGrants = Reflector(
            client: client, namespace: namespace, labelSelector: nil, settings: settings, notifier: notifier, logger: logger,
            optionalGroup: group)
        namespaces = Reflector(client: client, namespace: nil, labelSelector: nil, settings: settings, notifier: notifier, logger: logger)
    }

    var isSynced: Bool {
        gatewayClasses.isSynced && gateways.isSynced && httpRoutes.isSynced && referenceGrants.isSynced && namespaces.isSynced
    }

    var statistics: WatchStatistics {
        gatewayClasses.statistics + gateways.statistics + httpRoutes.statistics + referenceGrants.statistics + namespaces.statistics
    }
}

/// A ConfigMap's namespace and name, as a flag gives it.
public struct ConfigMapName: Sendable, Hashable, Comparable {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public static func < (a: Self, b: Self) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

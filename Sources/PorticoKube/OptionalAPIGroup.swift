import Logging
import Synchronization

/// An API group the cluster may not serve at all (the Gateway API, when its CRDs are not
/// installed): its kinds' lists answer 404. Their caches then stay empty and count as listed, so
/// the rest is served; each kind lists again every `recheck`, and the group is logged once when it
/// is found missing and once when it appears.
final class OptionalAPIGroup: Sendable {
    let group: String
    let recheck: Duration
    private let logger: Logger
    private let absent = Mutex<Set<String>>([])

    init(group: String, recheck: Duration, logger: Logger) {
        self.group = group
        self.recheck = recheck
        self.logger = logger
    }

    /// A kind's list answered 404.
    func missing(_ type: KubeResourceType) {
        let first = absent.withLock { absent in
            defer { absent.insert(type.plural) }
            return absent.isEmpty
        }
        guard first else { return }
        logger.notice(
            "API group not served; its kinds are not watched until it is",
            metadata: [
                "kube.group": "\(group)", "kube.resource": "\(type)",
                "retry.in_ms": "\(recheck.milliseconds)",
            ])
    }

    /// A kind's list succeeded.
    func served(_ type: KubeResourceType) {
        let appeared = absent.withLock { absent in
            absent.remove(type.plural) != nil && absent.isEmpty
        }
        guard appeared else { return }
        logger.notice("API group served now; watching its kinds", metadata: ["kube.group": "\(group)"])
    }
}

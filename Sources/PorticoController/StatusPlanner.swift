import PorticoModel
import PorticoRouting

/// Which Ingress statuses to write, compared first so an equal status costs nothing:
/// - an Ingress the live config serves gets exactly the publish addresses;
/// - an Ingress it does not serve (another class now, left out, deleted routes) is cleared only if
///   its status is exactly Portico's addresses, i.e. Portico set it; any other status belongs to
///   another controller and is left alone.
public enum StatusPlanner {
    public static func plan(
        ingresses: [Ingress], served: Set<ObjectReference>, publish: [LoadBalancerIngress]
    ) -> [StatusUpdate] {
        let wanted = normalized(publish)
        guard !wanted.isEmpty else { return [] }
        var updates: [StatusUpdate] = []
        for ingress in ingresses {
            let namespace = ingress.metadata.effectiveNamespace, name = ingress.metadata.name
            let current = normalized(ingress.status?.loadBalancer?.ingress ?? [])
            let ref = ObjectReference(ingress)
            let target: [LoadBalancerIngress]
            if served.contains(ref) {
                target = wanted
            } else if current == wanted {
                target = []
            } else {
                continue
            }
            guard current != target else { continue }
            updates.append(
                StatusUpdate(
                    namespace: namespace, name: name, resourceVersion: ingress.metadata.resourceVersion,
                    addresses: target))
        }
        return updates.sorted { $0.object < $1.object }
    }

    /// Order-insensitive, as the API server does not promise an order.
    static func normalized(_ addresses: [LoadBalancerIngress]) -> [LoadBalancerIngress] {
        addresses.map { LoadBalancerIngress(ip: $0.ip, hostname: $0.hostname) }
            .sorted { ($0.ip ?? "", $0.hostname ?? "") < ($1.ip ?? "", $1.hostname ?? "") }
    }
}

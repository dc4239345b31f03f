import Foundation
import PorticoModel
import PorticoRouting

/// Which Gateway API statuses to write, the specification's way, compared first so that an equal
/// status costs nothing:
/// - a GatewayClass whose `controllerName` is Portico's: `Accepted`;
/// - a Gateway of those classes: `Accepted` and `Programmed`, `addresses` (the publish address),
///   and per listener `supportedKinds`, `attachedRoutes`, `Accepted`, `ResolvedRefs` and `Programmed`;
/// - an HTTPRoute: one `parents[]` entry per parentRef to one of Portico's Gateways, with
///   `Accepted` and `ResolvedRefs` as `GatewayAttachment` decided; entries of other controllers
///   stay as they are, where they are, and Portico's entries for parents it no longer has go.
///
/// Every condition carries the object's `metadata.generation` as `observedGeneration`; its
/// `lastTransitionTime` is the stored one while the condition's status holds, else `now`.
/// Called with the snapshot the live config was routed from, so nothing is reported before nginx
/// serves it.
public enum GatewayStatusPlanner {
    public static func plan(
        _ state: ClusterState, attachment: GatewayAttachment, controllerName: String,
        publish: PublishAddress?, now: Date
    ) -> [GatewayStatusUpdate] {
        let stamp = timestamp(now)
        var updates: [GatewayStatusUpdate] = []
        let classes = Set(attachment.classes)
        for gatewayClass in state.gatewayClasses where classes.contains(gatewayClass.metadata.name) {
            let wanted = [
                GatewayCondition(
                    type: "Accepted", status: true, reason: "Accepted",
                    message: "served by \(controllerName)",
                    observedGeneration: gatewayClass.metadata.generation)
            ]
            let stored = gatewayClass.status ?? GatewayClassStatus()
            let planned = GatewayClassStatus(
                conditions: stamped(wanted, after: stored.conditions, now: stamp))
            guard planned != stored else { continue }
            updates.append(
                GatewayStatusUpdate(
                    object: ObjectReference(
                        kind: "GatewayClass", namespace: "", name: gatewayClass.metadata.name),
                    resourceVersion: gatewayClass.metadata.resourceVersion, status: .gatewayClass(planned)))
        }

        let ours = Set(attachment.gateways)
        let listenerCheck = ListenerCheck(state)
        for gateway in state.gateways {
            let ref = ObjectReference(
                kind: "Gateway", namespace: gateway.metadata.effectiveNamespace, name: gateway.metadata.name)
            guard ours.contains(ref) else { continue }
            let stored = gateway.status ?? GatewayStatus()
            let planned = gatewayStatus(
                gateway, ref: ref, attachment: attachment, listenerCheck: listenerCheck,
                controllerName: controllerName,
                publish: publish, stored: stored, now: stamp)
            guard planned != stored else { continue }
            updates.append(
                GatewayStatusUpdate(
                    object: ref, resourceVersion: gateway.metadata.resourceVersion, status: .gateway(planned))
            )
        }

        var attached: [ObjectReference: GatewayAttachment.Route] = [:]
        for route in attachment.routes where attached[route.route] == nil { attached[route.route] = route }
        for route in state.httpRoutes {
            let ref = ObjectReference(route)
            let stored = route.status ?? HTTPRouteStatus()
            let planned = routeStatus(
                parents: attached[ref]?.parents ?? [], stored: stored, controllerName: controllerName,
                now: stamp)
            guard planned != stored else { continue }
            updates.append(
                GatewayStatusUpdate(
                    object: ref, resourceVersion: route.metadata.resourceVersion, status: .httpRoute(planned))
            )
        }
        return updates.sorted { ($0.object.kind, $0.object) < ($1.object.kind, $1.object) }
    }

    /// RFC 3339 in UTC, whole seconds, as `metav1.Time` is written.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The wanted conditions as stored conditions: a condition whose status is the stored one
    /// keeps its transition time.
    static func stamped(_ wanted: [GatewayCondition], after stored: [StatusCondition], now: String)
        -> [StatusCondition]
    {
        wanted.map { condition in
            let status = condition.status ? "True" : "False"
            let kept = stored.first {
                $0.type == condition.type && $0.status == status && !$0.lastTransitionTime.isEmpty
            }
            return StatusCondition(
                type: condition.type, status: status, observedGeneration: condition.observedGeneration,
                lastTransitionTime: kept?.lastTransitionTime ?? now, reason: condition.reason,
                message: condition.message)
        }
    }

    // MARK: HTTPRoute

    /// Other controllers' entries in place; Portico's replaced where it still has that parent,
    /// dropped where it has not, and new ones appended in the route's order.
    static func routeStatus(
        parents: [GatewayAttachment.Parent], stored: HTTPRouteStatus, controllerName: String, now: String
    ) -> HTTPRouteStatus {
        var wanted: [(ParentReference, [GatewayCondition])] = []
        for parent in parents where !wanted.contains(where: { $0.0 == parent.parentRef }) {
            wanted.append((parent.parentRef, [parent.accepted, parent.resolvedRefs]))
        }
        func entry(_ parentRef: ParentReference, _ conditions: [GatewayCondition], stored: [StatusCondition])
            -> RouteParentStatus
        {
            RouteParentStatus(
                parentRef: parentRef, controllerName: controllerName,
                conditions: stamped(conditions, after: stored, now: now))
        }
        var result: [RouteParentStatus] = []
        var written = Set<Int>()
        for existing in stored.parents {
            guard existing.controllerName == controllerName else {
                result.append(existing)
                continue
            }
            guard let index = wanted.firstIndex(where: { $0.0 == existing.parentRef }),
                !written.contains(index)
            else { continue }
            written.insert(index)
            result.append(entry(wanted[index].0, wanted[index].1, stored: existing.conditions))
        }
        for (index, (parentRef, conditions)) in wanted.enumerated() where !written.contains(index) {
            result.append(entry(parentRef, conditions, stored: []))
        }
        return HTTPRouteStatus(parents: result)
    }

    // MARK: Gateway

    static func gatewayStatus(
        _ gateway: Gateway, ref: ObjectReference, attachment: GatewayAttachment, listenerCheck: ListenerCheck,
        controllerName: String, publish: PublishAddress?, stored: GatewayStatus, now: String
    ) -> GatewayStatus {
        let generation = gateway.metadata.generation
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String)
            -> GatewayCondition
        {
            GatewayCondition(
                type: type, status: status, reason: reason, message: message, observedGeneration: generation)
        }
        var listeners: [ListenerStatus] = []
        var valid = 0
        for listener in gateway.spec.listeners {
            let key = GatewayAttachment.ListenerKey(gateway: ref, listener: listener.name)
            let check = listenerCheck.check(listener, of: gateway, generation: generation)
            if check.programmed.status { valid += 1 }
            let storedConditions = stored.listeners.first { $0.name == listener.name }?.conditions ?? []
            listeners.append(
                ListenerStatus(
                    name: listener.name, supportedKinds: check.supportedKinds,
                    attachedRoutes: attachment.attachedRoutes[key] ?? 0,
                    conditions: stamped(
                        [check.accepted, check.resolvedRefs, check.programmed], after: storedConditions,
                        now: now)))
        }

        let accepted: GatewayCondition
        let unsupported = gateway.spec.addresses.filter { $0.value != publish?.description }
        if let address = unsupported.first {
            accepted = condition(
                "Accepted", false, "UnsupportedAddress",
                "spec.addresses: \(MessageText.quoted(address.value)) cannot be assigned; Portico serves at its publish address "
                    + (publish.map { MessageText.quoted($0.description) } ?? "(none set)"))
        } else if valid == 0 {
            accepted = condition("Accepted", false, "ListenersNotValid", "no listener is valid")
        } else if valid < gateway.spec.listeners.count {
            accepted = condition(
                "Accepted", true, "ListenersNotValid",
                "\(gateway.spec.listeners.count - valid) of \(gateway.spec.listeners.count) listeners are not valid"
            )
        } else {
            accepted = condition("Accepted", true, "Accepted", "accepted by \(controllerName)")
        }
        let programmed: GatewayCondition
        if !accepted.status {
            programmed = condition("Programmed", false, "Invalid", "not accepted: \(accepted.message)")
        } else if let publish {
            programmed = condition("Programmed", true, "Programmed", "served by nginx at \(publish)")
        } else {
            programmed = condition(
                "Programmed", false, "AddressNotAssigned",
                "no publish address: set --publish-status-address or NODE_IP")
        }
        let addresses =
            publish.map {
                [
                    GatewayStatusAddress(
                        type: $0.loadBalancerIngress.ip != nil ? "IPAddress" : "Hostname",
                        value: $0.description)
                ]
            }
            ?? []
        return GatewayStatus(
            addresses: addresses,
            conditions: stamped([accepted, programmed], after: stored.conditions, now: now),
            listeners: listeners)
    }
}

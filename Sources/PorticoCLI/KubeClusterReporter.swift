import Foundation
import PorticoController
import PorticoKube
import PorticoModel
import PorticoRouting

/// The controller's `ClusterReporter` over the Kubernetes API: Ingress and Gateway API status
/// through the status subresource (a merge patch guarded by the resourceVersion it was planned on)
/// and core/v1 Events.
struct KubeClusterReporter: ClusterReporter {
    static let component = "portico"
    /// The controller name IngressClasses give (`spec.controller`), so Events say who they are from.
    static let reportingController = RoutingOptions.controllerName

    let client: KubeClient
    /// `reportingInstance`: this replica (the API server allows 128 bytes).
    let instance: String
    /// `source.host`: the node, when known.
    let host: String?

    func updateStatus(_ update: StatusUpdate) async throws {
        let addresses: Any =
            update.addresses.isEmpty
            ? NSNull()
            : update.addresses.map { a -> [String: String] in
                a.ip.map { ["ip": $0] } ?? ["hostname": a.hostname ?? ""]
            }
        var patch: [String: Any] = ["status": ["loadBalancer": ["ingress": addresses]]]
        if let rv = update.resourceVersion { patch["metadata"] = ["resourceVersion": rv] }
        let body = try JSONSerialization.data(withJSONObject: patch, options: [.sortedKeys])
        _ = try await client.mergePatch(
            Ingress.self, namespace: update.namespace, name: update.name, json: body, subresource: "status")
    }

    /// The whole status, so that lists (conditions, listeners, parents) are replaced as planned;
    /// the planner kept other controllers' route parents in it.
    func updateGatewayStatus(_ update: GatewayStatusUpdate) async throws -> GatewayStatusWrite {
        let ref = update.object, meta = update.resourceVersion.map { StatusPatchMeta(resourceVersion: $0) }
        do {
            switch update.status {
            case .gatewayClass(let status):
                let _: GatewayClass = try await client.mergePatch(
                    GatewayClass.self, name: ref.name, patch: StatusPatch(metadata: meta, status: status), subresource: "status")
            case .gateway(let status):
                let _: Gateway = try await client.mergePatch(
                    Gateway.self, namespace: ref.namespace, name: ref.name, patch: StatusPatch(metadata: meta, status: status),
                    subresource: "status")
            case .httpRoute(let status):
                let _: HTTPRoute = try await client.mergePatch(
                    HTTPRoute.self, namespace: ref.namespace, name: ref.name, patch: StatusPatch(metadata: meta, status: status),
                    subresource: "status")
            }
            return .written
        } catch let error as KubeAPIError where error.isConflict || error.isNotFound {
            return .outdated
        }
    }

    func createEvent(_ draft: EventDraft, at time: Date) async throws -> EventCreation {
        do {
            _ = try await client.create(event(draft, at: time))
            return .created
        } catch let error as KubeAPIError where error.isConflict {
            // AlreadyExists: reported before by another replica or an earlier run.
            let existing = try await client.get(Event.self, namespace: draft.object.namespace, name: draft.name)
            return .alreadyExists(count: existing.count ?? 1)
        }
    }

    func bumpEvent(_ draft: EventDraft, at time: Date) async throws {
        let patch: [String: Any] = ["count": draft.count, "lastTimestamp": Self.timestamp(time)]
        let body = try JSONSerialization.data(withJSONObject: patch, options: [.sortedKeys])
        do {
            _ = try await client.mergePatch(Event.self, namespace: draft.object.namespace, name: draft.name, json: body)
        } catch let error as KubeAPIError where error.isNotFound {
            // Events expire (an hour by default): record it afresh, keeping the count.
            _ = try await client.create(event(draft, at: time))
        }
    }

    func event(_ draft: EventDraft, at time: Date) -> Event {
        let stamp = Self.timestamp(time)
        var event = Event(
            metadata: ObjectMeta(name: draft.name, namespace: draft.object.namespace),
            involvedObject: PorticoKube.ObjectReference(
                apiVersion: Ingress.resourceType.apiVersion, kind: "Ingress", namespace: draft.object.namespace,
                name: draft.object.name, uid: draft.uid),
            reason: draft.reason, message: draft.message, type: draft.type, count: draft.count,
            firstTimestamp: stamp, lastTimestamp: stamp, source: EventSource(component: Self.component, host: host))
        event.reportingComponent = Self.reportingController
        event.reportingInstance = String(instance.utf8.prefix(128)) ?? Self.component
        return event
    }

    /// RFC 3339 in UTC, whole seconds, as core/v1 Event timestamps are.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// `{"metadata":{"resourceVersion":...},"status":{...}}`: the whole status, so that its lists
/// (conditions, listeners, parents) are replaced as planned, guarded by the version it was planned on.
private struct StatusPatch<Status: Encodable & Sendable>: Encodable, Sendable {
    var metadata: StatusPatchMeta?
    var status: Status
}

private struct StatusPatchMeta: Encodable, Sendable {
    var resourceVersion: String
}

import Foundation
import PorticoModel
import Testing
import TestSupport
import Yams

@testable import PorticoKube

/// rc.yaml grants exactly `PorticoPermissions.granted`, and every request the client really makes
/// is in `PorticoPermissions.required`: a new request without a new entry, or a new entry without
/// a new rule, fails here.
@Suite struct LeastPrivilegeTests {
    static let rcYAML = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rc.yaml")

    /// The grants of every ClusterRole and Role in rc.yaml, expanded to one per (group, resource,
    /// verb, name), with the bindings that give them to Portico's ServiceAccount.
    static func grants() throws -> (grants: Set<KubePermission>, bound: Set<String>) {
        let text = try String(contentsOf: rcYAML, encoding: .utf8)
        var grants = Set<KubePermission>()
        var bound = Set<String>()
        for document in try Yams.load_all(yaml: text) {
            guard let object = document as? [String: Any], let kind = object["kind"] as? String else { continue }
            switch kind {
            case "ClusterRole", "Role":
                let scope: KubePermission.Scope = kind == "ClusterRole" ? .cluster : .ownNamespace
                for rule in object["rules"] as? [[String: Any]] ?? [] {
                    let names = rule["resourceNames"] as? [String]
                    for group in rule["apiGroups"] as? [String] ?? [] {
                        for resource in rule["resources"] as? [String] ?? [] {
                            for verb in rule["verbs"] as? [String] ?? [] {
                                for resourceName in names.map({ $0.map(Optional.some) }) ?? [nil] {
                                    grants.insert(
                                        KubePermission(
                                            group: group, resource: resource, verb: verb, scope: scope,
                                            resourceName: resourceName))
                                }
                            }
                        }
                    }
                }
            case "ClusterRoleBinding", "RoleBinding":
                let subjects = object["subjects"] as? [[String: Any]] ?? []
                let role = object["roleRef"] as? [String: Any]
                if subjects.contains(where: {
                    $0["kind"] as? String == "ServiceAccount" && $0["name"] as? String == "portico"
                        && $0["namespace"] as? String == "ingress"
                }), let roleKind = role?["kind"] as? String, let roleName = role?["name"] as? String {
                    bound.insert("\(kind)→\(roleKind)/\(roleName)")
                }
            default: continue
            }
        }
        return (grants, bound)
    }

    @Test func rcYAMLGrantsExactlyWhatTheCodeNeeds() throws {
        let (grants, bound) = try Self.grants()
        let extra = grants.subtracting(PorticoPermissions.granted).sorted().map(\.description)
        let missing = PorticoPermissions.granted.subtracting(grants).sorted().map(\.description)
        #expect(extra.isEmpty, "rc.yaml grants what no request needs: \(extra)")
        #expect(missing.isEmpty, "rc.yaml lacks rules for: \(missing)")
        #expect(!grants.contains { $0.verb == "*" || $0.resource == "*" || $0.group == "*" }, "wildcards in rc.yaml")
        #expect(
            bound == ["ClusterRoleBinding→ClusterRole/portico", "RoleBinding→Role/portico-leader-election"],
            "\(bound)")
    }

    @Test func pathsMapToPermissions() {
        #expect(
            KubePermission(requestPath: "/apis/networking.k8s.io/v1/namespaces/a/ingresses/b/status", verb: "update")
                == KubePermission(Ingress.resourceType, subresource: "status", "update"))
        #expect(KubePermission(requestPath: "/api/v1/services?watch=true", verb: "watch") == KubePermission(Service.resourceType, "watch"))
    }

    /// Runs what `portico run` runs against the API (the watcher, and the snapshot `render
    /// --from-cluster` takes) and checks every request the server saw.
    @Test(.timeLimit(.minutes(2))) func everyRequestTheClientMakesIsRequired() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let client = try APIServerClients.client(for: server)
        _ = try await loadClusterSnapshot(configuration: try APIServerClients.configuration(server), secrets: true)
        // As `portico run --https-port --tcp-services-configmap default/tcp-services` watches:
        // Secrets and that ConfigMap too.
        let watcher = ClusterWatcher(
            client: client, scope: .init(secrets: true, configMaps: [ConfigMapName(namespace: "default", name: "tcp-services")]),
            settings: APIServerClients.quickSettings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            try await server.waitForWatches(PorticoPermissions.watchedKinds.count)
            group.cancelAll()
        }
        // The server logs a watch when its stream ends: wait for the cancelled streams to show.
        var seen = Set<KubePermission>()
        try await eventually(poll: .milliseconds(100), "every watch in the server's log; seen \(seen.sorted())") {
            seen = []
            for request in try await server.requests() where (request["listener"] as? String) != "admin" {
                guard let path = request["path"] as? String, let verb = request["verb"] as? String,
                    let permission = KubePermission(requestPath: path, verb: verb)
                else { continue }
                seen.insert(permission)
            }
            return seen.isSuperset(of: PorticoPermissions.watching)
        }
        let unlisted = seen.subtracting(PorticoPermissions.required).sorted().map(\.description)
        #expect(unlisted.isEmpty, "requests not in PorticoPermissions.required: \(unlisted)")
        // And the list is not padded: every watch permission was used. (The reporting ones are
        // checked against a real `portico run` in RunReportingEndToEndTests.)
        #expect(seen == PorticoPermissions.watching, "\(seen.sorted())")
    }
}

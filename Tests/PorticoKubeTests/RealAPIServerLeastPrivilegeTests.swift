import Foundation
import PorticoModel
import Testing
import TestSupport

@testable import PorticoKube

/// rc.yaml applied to a real kube-apiserver, whose RBAC decides: Portico's ServiceAccount token may
/// do every request `PorticoPermissions.required` lists (what `portico run` sends), and no more.
/// LeastPrivilegeTests checks the lists against each other; this checks them against real RBAC.
@Suite(
    "Real kube-apiserver: rc.yaml's RBAC", .serialized,
    .enabled(if: RealAPIServer.isAvailable, Comment(rawValue: RealAPIServer.unavailableReason ?? "")),
    .timeLimit(.minutes(5)))
struct RealAPIServerLeastPrivilegeTests {
    /// The server with the Gateway API CRDs (kubectl resolves the resources it asks about through
    /// discovery), rc.yaml applied and a kubeconfig for Portico's ServiceAccount token.
    static func applyRCYAML() throws -> (RealAPIServer, kubeconfig: URL, token: String) {
        let server = try RealAPIServer()
        try server.installGatewayAPI()
        try server.kubectl(["apply", "-f", LeastPrivilegeTests.rcYAML.path])
        let token = try server.serviceAccountToken(namespace: "ingress", name: "portico")
        let kubeconfig = try server.writeKubeconfig(to: server.directory.file("portico.kubeconfig"), token: token, namespace: "ingress")
        return (server, kubeconfig, token)
    }

    /// `kubectl auth can-i` (a SelfSubjectAccessReview) as Portico: the server's RBAC answer.
    static func allowed(_ permission: KubePermission, _ server: RealAPIServer, _ kubeconfig: URL) throws -> Bool {
        let plural = permission.resource.split(separator: "/")
        var resource = String(plural[0]) + (permission.group.isEmpty ? "" : ".\(permission.group)")
        if let name = permission.resourceName { resource += "/\(name)" }
        var arguments = ["auth", "can-i", permission.verb, resource]
        if plural.count > 1 { arguments += ["--subresource", String(plural[1])] }
        arguments += permission.scope == .ownNamespace ? ["--namespace", "ingress"] : ["--all-namespaces"]
        let result = try server.kubectlResult(arguments, kubeconfig: kubeconfig)
        switch result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "yes": return true
        case "no": return false
        default: throw TestSupportError("kubectl \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
        }
    }

    @Test func porticoTokenMayDoWhatRunNeedsAndNoMore() throws {
        let (server, kubeconfig, _) = try Self.applyRCYAML()
        defer { server.stop() }
        let refused = try PorticoPermissions.required.sorted().filter { !(try Self.allowed($0, server, kubeconfig)) }
        #expect(refused.isEmpty, "rc.yaml's RBAC refuses what portico run needs: \(refused.map(\.description))")

        // Near misses of every grant: a verb, a name, a namespace or a subresource too far.
        let beyond = [
            KubePermission(Secret.resourceType, "get"),   // certificates come from the watch, never by name
            KubePermission(Secret.resourceType, "create"),
            KubePermission(Ingress.resourceType, "get"),
            KubePermission(Ingress.resourceType, "update"),
            KubePermission(Ingress.resourceType, subresource: "status", "update"),
            KubePermission(Service.resourceType, "patch"),
            KubePermission(ConfigMap.resourceType, "get"),
            KubePermission(group: "", resource: "pods", verb: "list"),
            KubePermission(group: "", resource: "endpoints", verb: "list"),
            KubePermission(group: "", resource: "nodes", verb: "get"),
            KubePermission(Event.resourceType, "delete"),
            KubePermission(Lease.resourceType, "create"),   // cluster-wide: only in its own namespace
            KubePermission(Lease.resourceType, "update", scope: .ownNamespace, resourceName: "someone-else"),
            KubePermission(Lease.resourceType, "delete", scope: .ownNamespace, resourceName: "portico-leader"),
            KubePermission(group: "rbac.authorization.k8s.io", resource: "clusterroles", verb: "escalate"),
            // The Gateway API: read as a watch, written only as status, and only by a patch.
            KubePermission(Gateway.resourceType, "get"),
            KubePermission(Gateway.resourceType, "patch"),
            KubePermission(HTTPRoute.resourceType, "update"),
            KubePermission(HTTPRoute.resourceType, subresource: "status", "update"),
            KubePermission(GatewayClass.resourceType, "patch"),
            KubePermission(ReferenceGrant.resourceType, subresource: "status", "patch"),
            KubePermission(ReferenceGrant.resourceType, "create"),
            KubePermission(Namespace.resourceType, "get"),
            KubePermission(Namespace.resourceType, "patch"),
        ]
        let granted = try beyond.filter { try Self.allowed($0, server, kubeconfig) }
        #expect(granted.isEmpty, "rc.yaml's RBAC allows more than portico run needs: \(granted.map(\.description))")
    }

    /// The token at work: the watcher syncs every kind `portico run --https-port
    /// --tcp-services-configmap` watches (the Gateway API's too), the reporting writes succeed
    /// (Gateway API status too), and a Secret read by name, a write to a Service, a Gateway's spec
    /// or a Pod list is refused with 403.
    @Test func porticoTokenWatchesAndReportsButIsRefusedTheRest() async throws {
        let (server, kubeconfig, token) = try Self.applyRCYAML()
        defer { server.stop() }
        try server.kubectl(["apply", "-f", "-"], input: RealAPIServerGatewayAPITests.manifests)
        try server.kubectl(["create", "configmap", "tcp-services", "--namespace", "ingress", "--from-literal", "9000=default/db:5432"])
        try server.kubectl(["create", "secret", "generic", "private", "--from-literal", "password=hunter2"])
        try server.kubectl(["apply", "-f", "-"], input: RealAPIServerTests.ingress("site", host: "a.test", service: "web"))
        let client = KubeClient(configuration: try KubeConfiguration.fromKubeconfig(path: kubeconfig.path, environment: [:]))

        let watcher = ClusterWatcher(
            client: client,
            scope: .init(secrets: true, configMaps: [ConfigMapName(namespace: "ingress", name: "tcp-services")], gatewayAPI: true))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            let snapshot = watcher.snapshot()
            #expect(snapshot.ingresses.map(\.cacheKey) == ["default/site"])
            #expect(snapshot.configMaps.map(\.cacheKey) == ["ingress/tcp-services"])
            #expect(snapshot.gatewayClasses.map(\.metadata.name) == ["portico"])
            #expect(snapshot.gateways.map(\.cacheKey) == ["default/edge"])
            #expect(snapshot.httpRoutes.map(\.cacheKey) == ["default/site"])
            #expect(snapshot.referenceGrants.map(\.cacheKey) == ["default/from-default"])
            #expect(snapshot.namespaces.map(\.metadata.name).contains("ingress"))
            group.cancelAll()
        }
        #expect(watcher.statistics.watchFailures == 0, "\(watcher.statistics)")

        let accepted = #"{"status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}"#
        let _: GatewayClass = try await client.mergePatch(GatewayClass.self, name: "portico", json: Data(accepted.utf8), subresource: "status")
        let _: Gateway = try await client.mergePatch(
            Gateway.self, namespace: "default", name: "edge", json: Data(accepted.utf8), subresource: "status")
        let parents = #"{"status":{"parents":[{"parentRef":{"name":"edge"},"controllerName":"portico.io/gateway-controller","conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}]}}"#
        let _: HTTPRoute = try await client.mergePatch(
            HTTPRoute.self, namespace: "default", name: "site", json: Data(parents.utf8), subresource: "status")
        #expect(try server.kubectl(["get", "gateway", "edge", "-o", "jsonpath={.status.conditions[0].reason}"]) == "Accepted")

        let status = #"{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}"#
        let patched: Ingress = try await client.mergePatch(
            Ingress.self, namespace: "default", name: "site", json: Data(status.utf8), subresource: "status")
        #expect(patched.metadata.name == "site")
        #expect(try server.kubectl(["get", "ingress", "site", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"]) == "192.0.2.10")
        let lease = Lease(
            metadata: ObjectMeta(name: "portico-leader", namespace: "ingress"),
            spec: LeaseSpec(holderIdentity: "portico-0", leaseDurationSeconds: 15))
        _ = try await client.create(lease)
        let held = try await client.get(Lease.self, namespace: "ingress", name: "portico-leader")
        #expect(held.spec.holderIdentity == "portico-0")

        func refusal(_ what: String, _ operation: () async throws -> Void) async {
            do {
                try await operation()
                Issue.record("\(what) was allowed")
            } catch let error as KubeAPIError {
                #expect(error.code == 403, "\(what): \(error)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        await refusal("get secret default/private") { _ = try await client.get(Secret.self, namespace: "default", name: "private") }
        await refusal("patch service") {
            let _: Service = try await client.mergePatch(
                Service.self, namespace: "default", name: "kubernetes", json: Data(#"{"metadata":{"labels":{"x":"y"}}}"#.utf8))
        }
        await refusal("patch a gateway's spec") {
            let _: Gateway = try await client.mergePatch(
                Gateway.self, namespace: "default", name: "edge", json: Data(#"{"metadata":{"labels":{"x":"y"}}}"#.utf8))
        }
        await refusal("create a lease in default") {
            _ = try await client.create(Lease(metadata: ObjectMeta(name: "x", namespace: "default"), spec: LeaseSpec()))
        }
        let pods = try server.request("GET", "/api/v1/pods", token: token)
        #expect(pods.status == 403, "\(pods.text)")
    }
}

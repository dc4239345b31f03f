import Foundation
import PorticoModel
import Testing
import TestSupport

@testable import PorticoKube

/// The client against the test API server over TLS (test CA, bearer tokens, client certificates).
@Suite(.timeLimit(.minutes(10))) struct KubeClientAPIServerTests {
    @Test func typedReadsAndWrites() async throws {
        let server = try TestAPIServer()
        let client = try APIServerClients.client(for: server)

        let service = try await client.create(
            Service(metadata: ObjectMeta(name: "web"), spec: ServiceSpec(ports: [ServicePort(port: 80)])))
        #expect(service.metadata.namespace == "default" && service.metadata.resourceVersion != nil)
        #expect(try await client.get(Service.self, name: "web").spec.ports.first?.port == 80)

        let backend = IngressBackend.service("web", port: ServiceBackendPort(number: 80))
        let ingress = try await client.create(
            Ingress(
                metadata: ObjectMeta(name: "web", namespace: "default"),
                spec: IngressSpec(rules: [
                    IngressRule(host: "web.example", paths: [HTTPIngressPath(path: "/", backend: backend)])
                ])))
        var withStatus = ingress
        withStatus.status = IngressStatus(
            loadBalancer: LoadBalancerStatus(ingress: [LoadBalancerIngress(ip: "192.0.2.10")]))
        let updatedStatus = try await client.updateStatus(withStatus)
        #expect(updatedStatus.status?.loadBalancer?.ingress?.first?.ip == "192.0.2.10")

        struct LabelPatch: Encodable, Sendable {
            struct Meta: Encodable, Sendable { var labels: [String: String] }
            var metadata: Meta
        }
        let patched: Ingress = try await client.mergePatch(
            Ingress.self, name: "web", patch: LabelPatch(metadata: .init(labels: ["tier": "edge"])))
        #expect(patched.metadata.labels == ["tier": "edge"])
        #expect(patched.status?.loadBalancer?.ingress?.first?.ip == "192.0.2.10")

        // A stale resourceVersion is a conflict, with the server's message.
        var stale = ingress
        stale.spec.rules[0].host = "other.example"
        let conflict = await #expect(throws: KubeAPIError.self) { try await client.update(stale) }
        #expect(conflict?.isConflict == true)
        #expect(conflict?.description.contains("read it again") == true)
        var fresh = patched
        fresh.spec.rules[0].host = "other.example"
        #expect(try await client.update(fresh).spec.rules.first?.host == "other.example")

        let classes = try await client.create(
            IngressClass(
                metadata: ObjectMeta(name: "portico"),
                spec: IngressClassSpec(controller: "portico.dev/ingress")))
        #expect(classes.metadata.namespace == nil)
        #expect(try await client.list(IngressClass.self).items.map(\.metadata.name) == ["portico"])

        let secret = try await client.create(
            Secret(
                metadata: ObjectMeta(name: "tls"), type: "kubernetes.io/tls",
                data: ["tls.crt": "Y2VydA==", "tls.key": "a2V5"]))
        #expect(secret.data?["tls.crt"] == "Y2VydA==")

        let event = try await client.create(
            PorticoKube.Event(
                metadata: ObjectMeta(name: "web.1"),
                involvedObject: ObjectReference(
                    apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace: "default", name: "web"),
                reason: "Sync", message: "configuration applied", source: EventSource(component: "portico")))
        #expect(try await client.get(PorticoKube.Event.self, name: event.metadata.name).reason == "Sync")

        var lease = try await client.create(
            Lease(
                metadata: ObjectMeta(name: "portico-leader"),
                spec: LeaseSpec(holderIdentity: "pod-a", leaseDurationSeconds: 15)))
        lease.spec.holderIdentity = "pod-b"
        #expect(try await client.update(lease).spec.holderIdentity == "pod-b")

        try await client.delete(Service.self, name: "web")
        let missing = await #expect(throws: KubeAPIError.self) {
            try await client.get(Service.self, name: "web")
        }
        #expect(missing?.isNotFound == true)
        #expect(missing?.description.contains(#"services "web" not found"#) == true)
    }

    @Test func pagedListIsComplete() async throws {
        let server = try TestAPIServer()
        let objects: [[String: Any]] = (0..<1234).map { i in
            [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "svc-\(i)", "namespace": "default"],
                "spec": ["ports": [["port": 80]]],
            ]
        }
        try await server.bulkCreate(objects)
        let client = try APIServerClients.client(for: server)
        let first = try await client.listPage(Service.self, limit: 500)
        #expect(first.items.count == 500 && first.continueToken != nil)
        let all = try await client.list(Service.self, pageSize: 500)
        #expect(all.items.count == 1234)
        #expect(Set(all.items.map(\.metadata.name)).count == 1234)
        #expect(all.resourceVersion == first.resourceVersion)
    }

    @Test func clientCertificateAuthentication() async throws {
        let server = try TestAPIServer()
        let file = try server.writeKubeconfig(
            to: server.directory.file("cert-kubeconfig"), clientCertificate: true)
        let client = KubeClient(configuration: try APIServerClients.configuration(server, kubeconfig: file))
        #expect(try await client.list(Service.self).items.isEmpty)
    }

    @Test func wrongCAIsATLSError() async throws {
        let server = try TestAPIServer()
        var configuration = try APIServerClients.configuration(server)
        configuration.tls.trust = .system
        let error = await #expect(throws: KubeTransportError.self) {
            try await KubeClient(configuration: configuration).list(Service.self)
        }
        #expect(error?.code == .tls)
        #expect(error?.description.contains("certificate-authority") == true)
    }

    @Test func tlsServerNameIsVerifiedInsteadOfTheAddress() async throws {
        let server = try TestAPIServer()
        var configuration = try APIServerClients.configuration(server)
        configuration.tls.serverName = "localhost"
        #expect(try await KubeClient(configuration: configuration).list(Service.self).items.isEmpty)
        configuration.tls.serverName = "kubernetes.example"
        let error = await #expect(throws: KubeTransportError.self) {
            try await KubeClient(configuration: configuration).list(Service.self)
        }
        #expect(error?.code == .tls)
        // Skipping verification is possible, but only when configured.
        configuration.tls = TLSSettings(trust: .system, insecureSkipVerify: true)
        #expect(try await KubeClient(configuration: configuration).list(Service.self).items.isEmpty)
    }

    @Test func unauthorizedDecodesTheStatus() async throws {
        let server = try TestAPIServer()
        let file = try server.writeKubeconfig(to: server.directory.file("bad"), token: "not-a-token")
        let client = KubeClient(configuration: try APIServerClients.configuration(server, kubeconfig: file))
        let error = await #expect(throws: KubeAPIError.self) { try await client.list(Ingress.self) }
        #expect(error?.code == 401 && error?.reason == "Unauthorized")
        #expect(error?.description.contains("renew the token") == true)
    }

    @Test func forbiddenNamesThePermissionAndWhatToDo() async throws {
        var options = TestAPIServer.Options()
        options.forbid = [TestAPIServer.defaultUser: ["list:ingresses"]]
        let server = try TestAPIServer(options)
        let client = try APIServerClients.client(for: server)
        let error = await #expect(throws: KubeAPIError.self) { try await client.list(Ingress.self) }
        #expect(error?.code == 403)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("403 Forbidden: ingresses.networking.k8s.io is forbidden"))
        #expect(
            text.contains(#"User "system:serviceaccount:ingress:portico" cannot list resource "ingresses""#))
        #expect(text.contains("at the cluster scope"))
        #expect(text.hasSuffix("; grant it in the ClusterRole (see rc.yaml)"))

        // The watcher keeps trying and says why; the other kinds still sync.
        let watcher = ClusterWatcher(client: client, settings: APIServerClients.quickSettings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await eventually(poll: .milliseconds(50), "the watcher says why it cannot list") {
                watcher.statistics.lastError != nil
            }
            #expect(watcher.statistics.lastError?.contains("grant it in the ClusterRole") == true)
            #expect(!watcher.isSynced)
            try await server.forbid(user: TestAPIServer.defaultUser, rules: [])
            try await watcher.waitUntilSynced()
            group.cancelAll()
        }
    }

    @Test func loadClusterSnapshotReadsEveryKind() async throws {
        let server = try TestAPIServer(
            {
                var options = TestAPIServer.Options()
                options.namespaces = ["team-a"]
                return options
            }())
        let admin = try APIServerClients.admin(for: server)
        var churn = ClusterChurn(admin: admin, seed: 7)
        for i in 0..<200 { try await churn.step(i) }
        let configuration = try APIServerClients.configuration(server)
        let snapshot = try await loadClusterSnapshot(configuration: configuration, secrets: true)
        #expect(try await loadClusterSnapshot(configuration: configuration).secrets.isEmpty)
        let (expected, objects) = try await StoreSummary.server(server)
        #expect(StoreSummary(snapshot).difference(from: expected) == [])
        #expect(normalized(snapshot) == normalized(objects))

        let teamA = try await loadClusterSnapshot(configuration: configuration, namespace: "team-a")
        #expect(!teamA.services.isEmpty && teamA.services.allSatisfy { $0.metadata.namespace == "team-a" })
        #expect(teamA.ingressClasses.count == snapshot.ingressClasses.count)
    }
}

import Foundation
import PorticoModel
import Testing
import TestSupport

@testable import PorticoKube

/// The client (KubeClient over libcurl TLS, the watcher) against a real kube-apiserver: objects
/// created by kubectl, with the server's own defaults, resource versions, bookmarks and chunking.
@Suite(
    "Real kube-apiserver: list and watch", .serialized,
    .enabled(if: RealAPIServer.isAvailable, Comment(rawValue: RealAPIServer.unavailableReason ?? "")),
    .timeLimit(.minutes(5)))
struct RealAPIServerTests {
    static func client(_ server: RealAPIServer, kubeconfig: URL? = nil) throws -> KubeClient {
        KubeClient(
            configuration: try KubeConfiguration.fromKubeconfig(path: (kubeconfig ?? server.kubeconfig).path, environment: [:]))
    }

    static func service(_ name: String, namespace: String = "default", port: Int = 80) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: \(namespace), labels: {app: \(name)}}
        spec: {ports: [{name: http, port: \(port)}]}
        """
    }

    static func ingress(_ name: String, host: String, service: String, namespace: String = "default") -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          rules:
          - host: \(host)
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: \(service), port: {name: http}}}}
        """
    }

    @Test func clientListsWhatKubectlCreated() async throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.kubectl(["create", "namespace", "team-a"])
        try server.kubectl(["apply", "-f", "-"], input: Self.service("web") + "\n---\n" + Self.service("api", namespace: "team-a"))
        try server.kubectl(["apply", "-f", "-"], input: Self.ingress("site", host: "a.test", service: "web"))
        let client = try Self.client(server)

        let (services, version) = try await client.list(Service.self, labelSelector: "app in (web,api)")
        #expect(Set(services.map(\.cacheKey)) == ["default/web", "team-a/api"])
        #expect(!version.isEmpty)
        // The real server allocates a ClusterIP and defaults the protocol: the model decodes both.
        let web = try #require(services.first { $0.metadata.name == "web" })
        #expect(web.spec.clusterIP?.hasPrefix("10.96.") == true, "\(web.spec)")
        #expect(web.spec.ports.first?.protocol == "TCP")

        // Pages of one: the server's continue tokens, followed to the end.
        let pages = try await client.list(Service.self, namespace: "default", pageSize: 1).items
        #expect(pages.map(\.metadata.name).sorted() == ["kubernetes", "web"])

        let site = try await client.get(Ingress.self, namespace: "default", name: "site")
        #expect(site.spec.rules.first?.host == "a.test")
        #expect(site.metadata.uid != nil && site.metadata.generation == 1)
    }

    @Test func watcherFollowsKubectlChanges() async throws {
        let server = try RealAPIServer()
        defer { server.stop() }
        try server.kubectl(["apply", "-f", "-"], input: Self.service("web"))
        try server.kubectl(["apply", "-f", "-"], input: Self.ingress("site", host: "a.test", service: "web"))
        var settings = WatchSettings()
        settings.watchTimeoutSeconds = 5...8   // the real server ends each watch on time: rewatches happen here
        let watcher = ClusterWatcher(client: try Self.client(server), scope: .init(secrets: true), settings: settings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            #expect(watcher.snapshot().ingresses.map(\.cacheKey) == ["default/site"])
            #expect(watcher.service(namespace: "default", name: "web") != nil)

            try server.kubectl(["apply", "-f", "-"], input: Self.ingress("later", host: "b.test", service: "web"))
            try server.kubectl(["delete", "service", "web"])
            try server.kubectl(["annotate", "ingress", "site", "note=changed"])
            try server.kubectl(["create", "secret", "tls", "cert", "--cert", server.certificates.serverCertificate.path,
                "--key", server.certificates.serverKey.path])
            try await eventually(timeout: .seconds(30), poll: .milliseconds(50), "the cache follows kubectl: \(watcher.snapshot().ingresses.map(\.cacheKey))") {
                let snapshot = watcher.snapshot()
                return snapshot.ingresses.map(\.cacheKey) == ["default/later", "default/site"]
                    && watcher.service(namespace: "default", name: "web") == nil
                    && watcher.ingress(namespace: "default", name: "site")?.metadata.annotations?["note"] == "changed"
                    && watcher.secret(namespace: "default", name: "cert") != nil
            }
            // Past the watch timeout the server ends every watch; the watcher renews each from its
            // resource version (no relist, no failure), and a change made after that still arrives.
            let before = watcher.statistics
            try await eventually(timeout: .seconds(30), poll: .milliseconds(100), "every watch renewed: \(watcher.statistics)") {
                watcher.statistics.watches >= before.watches + 4
            }
            #expect(watcher.statistics.lists == before.lists, "\(watcher.statistics)")
            #expect(watcher.statistics.watchFailures == 0, "\(watcher.statistics)")
            try server.kubectl(["delete", "ingress", "later"])
            try await eventually(timeout: .seconds(30), poll: .milliseconds(50), "the deletion after a rewatch arrives") {
                watcher.snapshot().ingresses.map(\.cacheKey) == ["default/site"]
            }
            // What the watcher holds is what the server holds.
            let client = try Self.client(server)
            let served = try await client.list(Ingress.self).items
            #expect(watcher.snapshot().ingresses.map(\.metadata.resourceVersion) == served.map(\.metadata.resourceVersion))
            group.cancelAll()
        }
    }
}

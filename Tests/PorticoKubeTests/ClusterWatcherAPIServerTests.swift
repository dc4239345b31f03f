import Foundation
import PorticoModel
import Testing
import TestSupport

@testable import PorticoKube

/// List+watch against the test API server while it misbehaves.
@Suite(.timeLimit(.minutes(20))) struct ClusterWatcherAPIServerTests {
    static var soakOperations: Int {
        ProcessInfo.processInfo.environment["PORTICO_SOAK"] == "1" ? 10_000 : 2_000
    }

    static func serverOptions() -> TestAPIServer.Options {
        var options = TestAPIServer.Options()
        options.namespaces = ["team-a"]
        options.bookmarkInterval = 0.5
        return options
    }

    /// Random writes with faults injected every few dozen operations: streams cut between and in
    /// the middle of events, compaction (410 on watch and on continue tokens), 5xx and 429 on lists
    /// and watches, stalled streams. The cache must end equal to the server's store.
    @Test func cacheStaysEqualToTheServerThroughChurnAndFaults() async throws {
        let server = try TestAPIServer(Self.serverOptions())
        let admin = try APIServerClients.admin(for: server)
        let watcher = ClusterWatcher(
            client: try APIServerClients.client(for: server), scope: .init(secrets: true),
            settings: APIServerClients.quickSettings)
        var churn = ClusterChurn(admin: admin, seed: 0x5EED_2026)
        let operations = Self.soakOperations
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            for i in 0..<operations {
                try await churn.step(i)
                switch i % 200 {
                case 20: try await server.cutWatches(.midEvent)
                case 50: try await server.compact()
                case 80: try await server.failNextRequests(3, status: 503, verb: "watch")
                case 100: try await server.cutWatches(.close)
                case 120: try await server.failNextRequests(2, status: 429, verb: "list", retryAfter: 1)
                case 121: try await server.compact()
                case 140: try await server.cutWatches(.end)
                case 160 where i % 600 == 160: try await server.stallWatches(seconds: 3)
                case 180: try await server.failNextRequests(2, status: 500, verb: "watch")
                default: break
                }
            }
            try await server.resetFaults()
            try await waitUntilCacheMatchesServer(watcher, server)
            // Snapshots come in key order (the cache keeps its order between changes).
            let snapshot = watcher.snapshot()
            #expect(snapshot.ingresses.map(\.cacheKey) == snapshot.ingresses.map(\.cacheKey).sorted())
            #expect(snapshot.services.map(\.cacheKey) == snapshot.services.map(\.cacheKey).sorted())
            #expect(snapshot.secrets.map(\.cacheKey) == snapshot.secrets.map(\.cacheKey).sorted())
            // Bookmarks come on streams that live longer than the bookmark interval; during churn
            // the faults may cut every stream sooner, so once the faults stop, wait for one.
            try await eventually(poll: .milliseconds(100), "a bookmark once the faults stopped") {
                watcher.statistics.bookmarks > 0
            }
            let statistics = watcher.statistics
            #expect(statistics.relistsAfterExpiry > 0)
            #expect(statistics.watchFailures > 0)
            group.cancelAll()
        }
    }

    /// The consumer sees every change eventually, coalesced, and reads a consistent snapshot.
    @Test func changesWakeTheConsumer() async throws {
        let server = try TestAPIServer(Self.serverOptions())
        let admin = try APIServerClients.admin(for: server)
        let watcher = ClusterWatcher(
            client: try APIServerClients.client(for: server), scope: .init(secrets: true),
            settings: APIServerClients.quickSettings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            var changes = watcher.changes.makeAsyncIterator()
            // The first element comes at once: the initial lists are a change from nothing.
            let start = await changes.next() ?? 0
            #expect(start > 0)
            _ = try await admin.create(
                Service(metadata: ObjectMeta(name: "a", namespace: "default"), spec: ServiceSpec()))
            let first = await changes.next()
            #expect((first ?? 0) > start)
            #expect(watcher.snapshot().services.map(\.metadata.name) == ["a"])
            // A burst of 50 writes wakes the consumer far fewer than 50 times.
            for i in 0..<50 {
                _ = try await admin.create(
                    Service(metadata: ObjectMeta(name: "b\(i)", namespace: "default"), spec: ServiceSpec()))
            }
            var wakeUps = 0
            while watcher.snapshot().services.count < 51 {
                _ = await changes.next()
                wakeUps += 1
            }
            #expect(wakeUps <= 50)
            group.cancelAll()
        }
    }

    @Test func namespaceAndLabelSelectorScoping() async throws {
        let server = try TestAPIServer(Self.serverOptions())
        let admin = try APIServerClients.admin(for: server)
        let watcher = ClusterWatcher(
            client: try APIServerClients.client(for: server),
            scope: .init(namespace: "team-a", labelSelector: "app=web", secrets: true),
            settings: APIServerClients.quickSettings)
        func service(_ name: String, _ namespace: String, _ app: String) -> Service {
            Service(
                metadata: ObjectMeta(name: name, namespace: namespace, labels: ["app": app]),
                spec: ServiceSpec())
        }
        _ = try await admin.create(service("in", "team-a", "web"))
        _ = try await admin.create(service("other-label", "team-a", "db"))
        _ = try await admin.create(service("other-namespace", "default", "web"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            #expect(watcher.snapshot().services.map(\.metadata.name) == ["in"])
            _ = try await admin.create(service("later", "team-a", "web"))
            _ = try await admin.create(service("later-db", "team-a", "db"))
            // Relabelling moves an object out of the selection: the watch sends DELETED.
            let _: Service = try await admin.mergePatch(
                Service.self, namespace: "team-a", name: "in",
                json: Data(#"{"metadata":{"labels":{"app":"db"}}}"#.utf8))
            try await eventually(poll: .milliseconds(20), "only \"later\" selected: \(watcher.snapshot().services.map(\.metadata.name))") {
                watcher.snapshot().services.map(\.metadata.name) == ["later"]
            }
            group.cancelAll()
        }
    }

    /// The server moves to a new token before the client's file has it: requests fail with 401
    /// meanwhile (and say so), and the watcher recovers by itself once the file is updated.
    @Test func watcherRecoversFromUnauthorizedOnceTheTokenFileCatchesUp() async throws {
        let directory = try TemporaryDirectory("portico-token")
        let serverToken = try directory.write("server-token", "old-token\n")
        let clientToken = try directory.write("client-token", "old-token\n")
        var options = Self.serverOptions()
        options.tokenFiles = ["lagging-user": serverToken]
        let server = try TestAPIServer(options)
        let kubeconfig = try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            current-context: lagging
            clusters:
            - name: test
              cluster: {server: "\(server.url.absoluteString)", certificate-authority: "\(server.caFile.path)"}
            contexts:
            - name: lagging
              context: {cluster: test, user: lagging}
            users:
            - name: lagging
              user: {tokenFile: \(clientToken.path)}
            """)
        let client = KubeClient(
            configuration: try APIServerClients.configuration(server, kubeconfig: kubeconfig))
        let admin = try APIServerClients.admin(for: server)
        let watcher = ClusterWatcher(client: client, scope: .init(secrets: true), settings: APIServerClients.quickSettings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            try directory.write("server-token", "new-token\n")
            try await server.cutWatches(.close)
            try await eventually(poll: .milliseconds(20), "a 401, not \(watcher.statistics.lastError ?? "no error")") {
                watcher.statistics.lastError?.hasPrefix("401 Unauthorized") == true
            }
            _ = try await admin.create(
                Service(metadata: ObjectMeta(name: "while-401", namespace: "default"), spec: ServiceSpec()))
            try directory.write("client-token", "new-token\n")
            try await waitUntilCacheMatchesServer(watcher, server)
            #expect(watcher.service(namespace: "default", name: "while-401") != nil)
            group.cancelAll()
        }
    }

    /// A bound service account token rotates: the server accepts only the new token, and the
    /// client, which reads the same token file, keeps working (lists, watches and single requests).
    @Test func tokenRotation() async throws {
        let directory = try TemporaryDirectory("portico-token")
        let tokenFile = try directory.write("token", "first-token\n")
        var options = Self.serverOptions()
        options.tokenFiles = ["rotating-user": tokenFile]
        let server = try TestAPIServer(options)
        let kubeconfig = try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            current-context: rotating
            clusters:
            - name: test
              cluster: {server: "\(server.url.absoluteString)", certificate-authority: "\(server.caFile.path)"}
            contexts:
            - name: rotating
              context: {cluster: test, user: rotating}
            users:
            - name: rotating
              user: {tokenFile: token}
            """)
        let client = KubeClient(
            configuration: try APIServerClients.configuration(server, kubeconfig: kubeconfig))
        let admin = try APIServerClients.admin(for: server)
        let watcher = ClusterWatcher(client: client, scope: .init(secrets: true), settings: APIServerClients.quickSettings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await watcher.waitUntilSynced()
            _ = try await admin.create(
                Service(metadata: ObjectMeta(name: "before", namespace: "default"), spec: ServiceSpec()))
            for round in 1...3 {
                // Written beside and renamed over, as the kubelet's atomic writer does.
                try directory.write("token.next", "rotated-token-\(round)\n")
                #expect(rename(directory.file("token.next").path, tokenFile.path) == 0)
                #expect(try await client.list(Service.self).items.contains { $0.metadata.name == "before" })
                try await server.cutWatches(.close)
                _ = try await admin.create(
                    Service(
                        metadata: ObjectMeta(name: "after-\(round)", namespace: "default"),
                        spec: ServiceSpec()))
                try await server.compact()
            }
            try await waitUntilCacheMatchesServer(watcher, server)
            #expect(try await client.get(Service.self, name: "after-3").metadata.name == "after-3")
            group.cancelAll()
        }
    }
}

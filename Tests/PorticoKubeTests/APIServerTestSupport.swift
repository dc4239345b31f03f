import Foundation
import PorticoModel
import TestSupport

@testable import PorticoKube

/// Clients for the test API server: `client(for:)` speaks HTTPS with the test CA and a token as
/// the product would; `admin(for:)` speaks plain HTTP to the admin listener (no auth, no faults)
/// for test mutations.
enum APIServerClients {
    static func configuration(_ server: TestAPIServer, kubeconfig: URL? = nil) throws -> KubeConfiguration {
        let file = try kubeconfig ?? server.writeKubeconfig(to: server.directory.file("kubeconfig"))
        return try KubeConfiguration.fromKubeconfig(path: file.path, environment: [:])
    }

    static func client(for server: TestAPIServer) throws -> KubeClient {
        KubeClient(configuration: try configuration(server))
    }

    static func admin(for server: TestAPIServer) throws -> KubeClient {
        var configuration = try configuration(server)
        configuration.server = server.adminURL.absoluteString
        configuration.credentials = .init()
        configuration.tls = TLSSettings()
        // Python's http.server answers reused connections a delayed ACK (40 ms) late.
        configuration.tls.reuseConnections = false
        return KubeClient(configuration: configuration)
    }

    /// Settings that notice faults within a second or two.
    static var quickSettings: WatchSettings {
        var settings = WatchSettings()
        settings.idleTimeout = .milliseconds(2500)
        settings.initialBackoff = .milliseconds(20)
        settings.maxBackoff = .milliseconds(500)
        settings.maxRetryAfter = .seconds(1)
        settings.watchTimeoutSeconds = 20...40
        return settings
    }
}

/// What the server holds and what the client cached, as comparable values:
/// `resource → "namespace/name" → resourceVersion`, plus the objects themselves.
struct StoreSummary: Equatable, CustomStringConvertible {
    static let resources = [
        "ingresses.networking.k8s.io", "services", "secrets", "ingressclasses.networking.k8s.io",
    ]
    var versions: [String: [String: String]] = [:]

    init(_ state: ClusterState) {
        func summarize<R: KubeResource>(_ items: [R]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: items.map { ($0.cacheKey, $0.metadata.resourceVersion ?? "") })
        }
        versions = [
            "ingresses.networking.k8s.io": summarize(state.ingresses), "services": summarize(state.services),
            "secrets": summarize(state.secrets),
            "ingressclasses.networking.k8s.io": summarize(state.ingressClasses),
        ]
    }

    /// `GET /_test/state`, decoded with the client's own model types.
    static func server(_ server: TestAPIServer) async throws -> (StoreSummary, ClusterState) {
        let (status, body) = try await server.send("GET", "/_test/state")
        guard status == 200 else { throw TestSupportError("GET /_test/state: \(status)") }
        struct State: Decodable {
            struct Resources: Decodable {
                var ingresses: [Ingress]?
                var services: [Service]?
                var secrets: [Secret]?
                var ingressClasses: [IngressClass]?
                enum CodingKeys: String, CodingKey {
                    case ingresses = "ingresses.networking.k8s.io", services, secrets
                    case ingressClasses = "ingressclasses.networking.k8s.io"
                }
            }
            var resources: Resources
        }
        let state = try JSONDecoder().decode(State.self, from: body).resources
        func sorted<R: KubeResource>(_ items: [R]?) -> [R] {
            (items ?? []).sorted { $0.cacheKey < $1.cacheKey }
        }
        // Secrets as the watch cache keeps them: those with a certificate, only its keys.
        let cluster = ClusterState(
            ingresses: sorted(state.ingresses), services: sorted(state.services),
            ingressClasses: sorted(state.ingressClasses), secrets: sorted(state.secrets?.compactMap(Secret.cached)))
        return (StoreSummary(cluster), cluster)
    }

    var description: String {
        versions.keys.sorted().map { "\($0): \(versions[$0]?.count ?? 0)" }.joined(separator: ", ")
    }

    /// Keys whose versions differ, for a readable failure.
    func difference(from other: StoreSummary) -> [String] {
        var out: [String] = []
        for resource in Self.resources {
            let mine = versions[resource] ?? [:], theirs = other.versions[resource] ?? [:]
            for key in Set(mine.keys).union(theirs.keys).sorted() where mine[key] != theirs[key] {
                out.append("\(resource) \(key): \(mine[key] ?? "absent") vs \(theirs[key] ?? "absent")")
            }
        }
        return out
    }
}

/// Objects compared without the fields that differ only by transport: list items carry no
/// kind/apiVersion, watch events do.
func normalized(_ state: ClusterState) -> ClusterState {
    var state = state
    for i in state.ingresses.indices { state.ingresses[i].kind = nil; state.ingresses[i].apiVersion = nil }
    for i in state.services.indices { state.services[i].kind = nil; state.services[i].apiVersion = nil }
    for i in state.secrets.indices { state.secrets[i].kind = nil; state.secrets[i].apiVersion = nil }
    for i in state.ingressClasses.indices {
        state.ingressClasses[i].kind = nil
        state.ingressClasses[i].apiVersion = nil
    }
    return state
}

/// Random create/update/delete operations over the admin listener, reproducible from a seed.
struct ClusterChurn {
    let admin: KubeClient
    var random: SplitMix64
    var present: [String: Set<String>] = [:]
    let namespaces: [String]
    let namesPerKind: Int

    init(
        admin: KubeClient, seed: UInt64, namespaces: [String] = ["default", "team-a"], namesPerKind: Int = 40
    ) {
        self.admin = admin
        self.random = SplitMix64(seed: seed)
        self.namespaces = namespaces
        self.namesPerKind = namesPerKind
    }

    mutating func step(_ i: Int) async throws {
        let kind = ["ingress", "service", "secret", "class"][Int.random(in: 0..<4, using: &random)]
        let namespace =
            kind == "class" ? nil : namespaces[Int.random(in: 0..<namespaces.count, using: &random)]
        let name = "\(kind)-\(Int.random(in: 0..<namesPerKind, using: &random))"
        let key = "\(namespace ?? "")/\(name)"
        let exists = present[kind, default: []].contains(key)
        let deleting = exists && Int.random(in: 0..<4, using: &random) == 0
        let meta = ObjectMeta(
            name: name, namespace: namespace, labels: ["op": "\(i)"], annotations: ["note": "ü✓ 日本 \(i)"])
        let labelPatch = Data(#"{"metadata":{"labels":{"op":"\#(i)"}}}"#.utf8)
        switch (kind, exists, deleting) {
        case ("ingress", _, true): try await admin.delete(Ingress.self, namespace: namespace, name: name)
        case ("service", _, true): try await admin.delete(Service.self, namespace: namespace, name: name)
        case ("secret", _, true): try await admin.delete(Secret.self, namespace: namespace, name: name)
        case ("class", _, true): try await admin.delete(IngressClass.self, name: name)
        case ("ingress", false, _):
            let path = HTTPIngressPath(
                path: "/\(i)", backend: .service("web", port: ServiceBackendPort(number: 80)))
            _ = try await admin.create(
                Ingress(
                    metadata: meta,
                    spec: IngressSpec(rules: [IngressRule(host: "h\(i).example", paths: [path])])))
        case ("ingress", true, _):
            let patch =
                #"{"metadata":{"labels":{"op":"\#(i)"}},"spec":{"rules":[{"host":"u\#(i).example"}]}}"#
            let _: Ingress = try await admin.mergePatch(
                Ingress.self, namespace: namespace, name: name, json: Data(patch.utf8))
        case ("service", false, _):
            _ = try await admin.create(
                Service(metadata: meta, spec: ServiceSpec(ports: [ServicePort(port: 80 + i % 100)])))
        case ("service", true, _):
            let _: Service = try await admin.mergePatch(
                Service.self, namespace: namespace, name: name, json: labelPatch)
        case ("secret", false, _):
            // Half carry a certificate (the watch cache keeps those, without their other keys).
            var data = ["k": Data("v\(i)".utf8).base64EncodedString()]
            if i % 2 == 0 {
                data["tls.crt"] = Data("crt \(i)".utf8).base64EncodedString()
                data["tls.key"] = Data("key \(i)".utf8).base64EncodedString()
            }
            _ = try await admin.create(Secret(metadata: meta, type: i % 2 == 0 ? "kubernetes.io/tls" : "Opaque", data: data))
        case ("secret", true, _):
            let patch = #"{"data":{"k":"\#(Data("w\(i)".utf8).base64EncodedString())"}}"#
            let _: Secret = try await admin.mergePatch(
                Secret.self, namespace: namespace, name: name, json: Data(patch.utf8))
        case ("class", false, _):
            _ = try await admin.create(
                IngressClass(metadata: meta, spec: IngressClassSpec(controller: "portico.dev/c\(i)")))
        default:
            let _: IngressClass = try await admin.mergePatch(IngressClass.self, name: name, json: labelPatch)
        }
        if deleting { present[kind]?.remove(key) } else { present[kind, default: []].insert(key) }
    }
}

/// Waits until the watcher's cache matches the server's store; at the deadline the error names
/// the last difference.
func waitUntilCacheMatchesServer(
    _ watcher: ClusterWatcher, _ server: TestAPIServer, timeout: Duration = .seconds(30)
) async throws {
    var difference: [String] = []
    try await eventually(timeout: timeout, poll: .milliseconds(100), "cache matches the server; differs: \(difference.prefix(10))") {
        let (expected, objects) = try await StoreSummary.server(server)
        let snapshot = watcher.snapshot()
        difference = StoreSummary(snapshot).difference(from: expected)
        if difference.isEmpty && normalized(snapshot) != normalized(objects) {
            difference = ["same versions but different objects"]
        }
        return difference.isEmpty
    }
}

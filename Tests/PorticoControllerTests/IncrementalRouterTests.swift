import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

@testable import PorticoController

/// A seeded generator (SplitMix64), so that a failing sequence can be run again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random objects from a small world, so that hosts, paths, Services and classes collide often.
struct SmallWorld {
    var random: SeededGenerator

    static let namespaces = ["default", "team-a"]
    // Hosts that differ only in case, or in a letter that lowercases to ASCII (KELVIN SIGN), are one.
    static let hosts: [String?] = ["a.com", "A.com", "b.com", "*.b.com", "c.com", "", nil, "\u{212A}.com", "k.com", "bad_host"]
    static let paths: [String?] = ["/", "/x", "/x/", "/y", "/x;}", "", nil, "/r(/|$)(.*)"]
    static let pathTypes: [String?] = ["Prefix", "Exact", "ImplementationSpecific", "Weird", nil]
    static let services = ["web", "api", "ext", "gone"]
    static let times: [String?] = ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2025-12-31T23:59:59Z", nil]

    mutating func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }

    mutating func backend() -> IngressBackend {
        .service(pick(Self.services), port: chance(0.3) ? .init(name: pick(["http", "nope"])) : .init(number: pick([80, 8080, 0])))
    }

    mutating func ingress(name: String, namespace: String) -> Ingress {
        var rules: [IngressRule] = []
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let paths = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                HTTPIngressPath(path: pick(Self.paths), pathType: pick(Self.pathTypes), backend: backend())
            }
            rules.append(chance(0.1) ? IngressRule(host: pick(Self.hosts), http: nil) : IngressRule(host: pick(Self.hosts), paths: paths))
        }
        var annotations: [String: String]?
        switch Int.random(in: 0..<10, using: &random) {
        case 0: annotations = ["portico.io/proxy-body-size": "1m"]
        case 1: annotations = ["nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8"]
        case 2: annotations = ["nginx.ingress.kubernetes.io/canary": "true"]
        // A canary changes the routes of the main Ingresses of its hosts.
        case 8: annotations = ["nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": pick(["X-A", "X-B"])]
        case 9:
            annotations = [
                "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": pick(["30", "100"]),
                "nginx.ingress.kubernetes.io/canary-by-cookie": "c",
            ]
        // A host matched as ingress-nginx did depends on every Ingress of the host.
        case 3: annotations = ["nginx.ingress.kubernetes.io/use-regex": "true"]
        case 4: annotations = ["nginx.ingress.kubernetes.io/rewrite-target": "/$1"]
        default: annotations = nil
        }
        return Ingress(
            metadata: ObjectMeta(
                name: name, namespace: chance(0.1) ? nil : namespace, uid: "uid-\(name)", resourceVersion: "\(Int.random(in: 1...9, using: &random))",
                creationTimestamp: pick(Self.times), annotations: annotations),
            spec: IngressSpec(
                ingressClassName: chance(0.15) ? pick(["nginx", "portico", ""]) : nil,
                defaultBackend: chance(0.15) ? backend() : nil, rules: rules,
                tls: chance(0.1) ? [IngressTLS(hosts: [pick(Self.hosts) ?? "x"], secretName: pick(["tls", "../x"]))] : []))
    }

    mutating func service(name: String, namespace: String) -> Service {
        if chance(0.2) {
            return Service(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: ServiceSpec(type: "ExternalName", externalName: pick(["db.example.com", "bad name"]), ports: []))
        }
        return Service(
            metadata: ObjectMeta(name: name, namespace: namespace),
            spec: ServiceSpec(
                clusterIP: chance(0.2) ? "None" : nil,
                ports: [ServicePort(name: pick(["http", nil]), port: pick([80, 8080]), targetPort: chance(0.5) ? .int(9000) : .string("web"))]))
    }

    mutating func state() -> ClusterState {
        var state = ClusterState()
        for ns in Self.namespaces {
            for i in 0..<6 { state.ingresses.append(ingress(name: "i\(i)", namespace: ns)) }
            for name in Self.services.dropLast() { state.services.append(service(name: name, namespace: ns)) }
        }
        return state
    }

    /// One change of the kinds a cluster sees, most of them to one object.
    mutating func change(_ state: inout ClusterState) {
        switch Int.random(in: 0..<11, using: &random) {
        case 0, 1, 2:
            guard !state.ingresses.isEmpty else { fallthrough }
            let i = Int.random(in: 0..<state.ingresses.count, using: &random)
            let old = state.ingresses[i].metadata
            state.ingresses[i] = ingress(name: old.name, namespace: old.effectiveNamespace)
        case 3:
            guard !state.ingresses.isEmpty else { fallthrough }
            state.ingresses.remove(at: Int.random(in: 0..<state.ingresses.count, using: &random))
        case 4:
            let name = "n\(Int.random(in: 0..<20, using: &random))", ns = pick(Self.namespaces)
            guard !state.ingresses.contains(where: { $0.metadata.name == name && $0.metadata.effectiveNamespace == ns }) else { return }
            state.ingresses.append(ingress(name: name, namespace: ns))
        case 5:
            guard !state.ingresses.isEmpty else { fallthrough }
            // Only status: what the reporter's own writes look like when the watch echoes them.
            let i = Int.random(in: 0..<state.ingresses.count, using: &random)
            state.ingresses[i].status = IngressStatus(loadBalancer: .init(ingress: [.init(ip: pick(["10.0.0.1", "10.0.0.2"]))]))
        case 6:
            let name = pick(Self.services), ns = pick(Self.namespaces)
            state.services.removeAll { $0.metadata.name == name && $0.metadata.namespace == ns }
            if chance(0.7) { state.services.append(service(name: name, namespace: ns)) }
        case 7:
            state.ingressClasses = chance(0.5) ? [] : [
                IngressClass(
                    metadata: ObjectMeta(
                        name: pick(["nginx", "portico"]),
                        annotations: chance(0.5) ? [IngressClass.defaultClassAnnotation: "true"] : nil),
                    spec: IngressClassSpec(controller: pick(["k8s.io/ingress-nginx", RoutingOptions.controllerName])))
            ]
        case 8:
            // A second definition of one object (as two manifest files give).
            if chance(0.5), let twin = state.ingresses.randomElement(using: &random) {
                var other = twin
                other.metadata.resourceVersion = "\(Int.random(in: 1...9, using: &random))"
                other.spec.rules = ingress(name: "x", namespace: "x").spec.rules
                state.ingresses.append(other)
            } else if let twin = state.services.randomElement(using: &random) {
                var other = twin
                other.spec.ports = [ServicePort(port: 81)]
                state.services.append(other)
            }
        case 9:
            // Back to one definition of everything.
            var seen = Set<String>()
            state.ingresses.removeAll { !seen.insert("\($0.metadata.effectiveNamespace)/\($0.metadata.name)").inserted }
            seen = []
            state.services.removeAll { !seen.insert("\($0.metadata.effectiveNamespace)/\($0.metadata.name)").inserted }
        default:
            // The same objects in another order.
            state.ingresses.shuffle(using: &random)
            state.services.shuffle(using: &random)
        }
    }
}

@Suite struct IncrementalRouterTests {
    /// After every change of a random sequence, the kept groups give exactly what `Router` gives for
    /// the whole snapshot (table, diagnostics in order, served set), and the digest changes exactly
    /// when the routes do.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func everyPassEqualsRoutingTheWholeSnapshot(seed: UInt64) {
        var world = SmallWorld(random: SeededGenerator(state: seed))
        let options = RoutingOptions()
        var router = IncrementalRouter(options: options)
        var state = world.state()
        var previous: (table: RoutingTable, digest: IncrementalRouter.Digest)?
        for step in 0..<300 {
            let pass = router.route(state)
            let expected = Router(options: options).route(state)
            let table = pass.table()
            #expect(table == expected, "seed \(seed) step \(step)")
            #expect(pass.diagnostics == expected.diagnostics, "seed \(seed) step \(step)")
            #expect(pass.servedIngresses == expected.servedIngresses, "seed \(seed) step \(step)")
            #expect(pass.digest == .of(expected), "seed \(seed) step \(step)")
            #expect(pass.hostCount == expected.virtualHosts.count)
            if let previous {
                #expect((pass.digest == previous.digest) == expected.routesLike(previous.table), "seed \(seed) step \(step)")
            }
            guard table == expected else { return }
            previous = (expected, pass.digest)
            world.change(&state)
        }
    }

    /// The controller's renderer keeps each host's text (or where it is in the config it wrote)
    /// and writes it again while the host is unchanged: after every change of a random sequence its
    /// config is byte for byte what a renderer without that cache renders, and most hosts came from
    /// the cache.
    @Test(arguments: [7, 8, 9] as [UInt64])
    func reusedHostTextEqualsRenderingAfresh(seed: UInt64) throws {
        var world = SmallWorld(random: SeededGenerator(state: seed))
        var router = IncrementalRouter(options: RoutingOptions())
        let cached = ConfigRenderer(reusingText: true)
        var state = world.state()
        var reused = 0, rendered = 0
        for step in 0..<200 {
            let table = router.route(state).table()
            // The generation changes every time: the status server's text must follow it.
            var options = RenderOptions(httpPort: 80, resolvers: ["10.0.0.1"])
            options.statusPort = 9000
            options.generation = step
            let fresh = try ConfigRenderer().render(table, options: options)
            let config = cached.text(table, options: options)
            #expect(try config.string() == fresh, "seed \(seed) step \(step)")
            // As the controller's sink does, mostly: the cache then reads the text back from the
            // output; after a config that is not handed over, from its own copies.
            if step % 5 != 4 { config.wrote(into: Written(text: fresh)) }
            let counts = try #require(cached.cache?.lastCounts)
            reused += counts.reused
            rendered += counts.rendered
            world.change(&state)
        }
        #expect(reused > 2 * rendered, "reused \(reused), rendered \(rendered)")
    }

    /// A config as its sink wrote it.
    final class Written: RenderedOutput {
        let bytes: [UInt8]
        init(text: String) { bytes = Array(text.utf8) }
        var count: Int { bytes.count }
        func isUnchanged() -> Bool { true }
        func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
            guard offset + buffer.count <= bytes.count else { return false }
            bytes.withUnsafeBytes { buffer.copyMemory(from: .init(rebasing: $0[offset..<offset + buffer.count])) }
            return true
        }
    }

    static func manyHosts(_ count: Int) -> ClusterState {
        ClusterState(
            ingresses: (0..<count).map { ingress("app-\($0)", host: "app-\($0).example.com", path: "/api") },
            services: [service("web")])
    }

    /// At 1,000 Ingresses on their own hosts, a one-Ingress change routes one group again.
    @Test func aOneIngressChangeRoutesOneGroup() {
        var router = IncrementalRouter(options: RoutingOptions())
        var state = Self.manyHosts(1000)
        let first = router.route(state)
        #expect(first.routedGroups == 1000)
        #expect(router.groupCount == 1000)

        state.ingresses[500].spec.rules[0].http?.paths[0].path = "/changed"
        let pass = router.route(state)
        #expect(pass.routedGroups == 1)
        #expect(pass.digest != first.digest)
        #expect(pass.table() == Router().route(state))

        // A status write (as the watch echoes it) routes that group again, to the same digest.
        state.ingresses[7].status = IngressStatus(loadBalancer: .init(ingress: [.init(ip: "10.0.0.1")]))
        let echoed = router.route(state)
        #expect(echoed.routedGroups == 1)
        #expect(echoed.digest == pass.digest)

        // A new IngressClass can change whose every Ingress is: everything is routed again.
        state.ingressClasses = [IngressClass(metadata: ObjectMeta(name: "portico"), spec: IngressClassSpec(controller: RoutingOptions.controllerName))]
        #expect(router.route(state).routedGroups == 1000)
    }

    /// Ingresses that share a host are routed together, so the older one keeps the path.
    @Test func ingressesSharingAHostAreOneGroup() {
        var older = ingress("older", host: "Shared.com", path: "/p")
        older.metadata.creationTimestamp = "2026-01-01T00:00:00Z"
        var newer = ingress("newer", host: "shared.com", path: "/p")
        newer.metadata.creationTimestamp = "2026-02-01T00:00:00Z"
        let state = ClusterState(ingresses: [newer, older, ingress("alone", host: "alone.com")], services: [service("web")])
        var router = IncrementalRouter(options: RoutingOptions())
        let pass = router.route(state)
        #expect(router.groupCount == 2)
        #expect(pass.table() == Router().route(state))
        #expect(pass.diagnostics.map(\.code) == [.conflict])
        #expect(pass.diagnostics.first?.object.name == "newer")
    }
}

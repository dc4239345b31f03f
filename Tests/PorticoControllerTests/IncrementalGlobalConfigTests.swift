import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

@testable import PorticoController

/// The incremental router and the render cache with `--configmap`: a change of the ConfigMap is
/// every Ingress's (its annotation defaults), so after each change, of objects or of the
/// ConfigMap, the pass equals routing the whole snapshot and the cached config rendering afresh.
@Suite struct IncrementalGlobalConfigTests {
    static let reference = ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "portico")
    static let datas: [[String: String]?] = [
        nil, [:], ["proxy-body-size": "8m"], ["proxy-body-size": "2m", "proxy-read-timeout": "30"], ["custom-http-errors": "503"],
        ["use-forwarded-headers": "true", "compute-full-forwarded-for": "true"], ["use-proxy-protocol": "true", "server-tokens": "true"], ["ssl-redirect": "false", "force-ssl-redirect": "true"],
        ["proxy-body-size": "x", "use-gzip": "true"],
    ]

    static func withConfigMap(_ state: ClusterState, _ data: [String: String]?) -> ClusterState {
        var state = state
        state.configMaps = data.map { [ConfigMap(metadata: ObjectMeta(name: "portico", namespace: "ingress"), data: $0)] } ?? []
        return state
    }

    /// With HTTPS every pass is routed whole; without, by groups.
    @Test(arguments: [(11, false), (12, false), (13, true)] as [(UInt64, Bool)])
    func everyPassEqualsRoutingTheWholeSnapshot(seed: UInt64, https: Bool) {
        var world = SmallWorld(random: SeededGenerator(state: seed))
        var options = RoutingOptions(servesHTTPS: https)
        options.globalConfigMap = Self.reference
        var router = IncrementalRouter(options: options)
        var objects = world.state()
        var data = Self.datas[2]
        var previous: (table: RoutingTable, digest: IncrementalRouter.Digest)?
        for step in 0..<200 {
            let state = Self.withConfigMap(objects, data)
            let pass = router.route(state)
            let expected = Router(options: options).route(state)
            #expect(pass.table() == expected, "seed \(seed) step \(step)")
            #expect(pass.diagnostics == expected.diagnostics, "seed \(seed) step \(step)")
            #expect(pass.digest == .of(expected), "seed \(seed) step \(step)")
            if let previous {
                #expect((pass.digest == previous.digest) == expected.routesLike(previous.table), "seed \(seed) step \(step)")
            }
            guard pass.table() == expected else { return }
            previous = (expected, pass.digest)
            if world.chance(0.3) { data = world.pick(Self.datas) } else { world.change(&objects) }
        }
    }

    @Test func reusedHostTextFollowsTheConfigMap() throws {
        var world = SmallWorld(random: SeededGenerator(state: 14))
        var options = RoutingOptions()
        options.globalConfigMap = Self.reference
        var router = IncrementalRouter(options: options)
        let cached = ConfigRenderer(reusingText: true)
        var objects = world.state()
        var data = Self.datas[2]
        for step in 0..<150 {
            let table = router.route(Self.withConfigMap(objects, data)).table()
            let render = RenderOptions(httpPort: 80, resolvers: ["10.0.0.1"], httpsPort: step % 2 == 0 ? 443 : nil)
            let fresh = try ConfigRenderer().render(table, options: render)
            let config = cached.text(table, options: render)
            #expect(try config.string() == fresh, "step \(step)")
            config.wrote(into: IncrementalRouterTests.Written(text: fresh))
            if world.chance(0.3) { data = world.pick(Self.datas) } else { world.change(&objects) }
        }
    }
}

import PorticoModel
import PorticoRender
import PorticoRouting
import Testing

@testable import PorticoController

/// `from-to-www-redirect` reaches across hosts: whether `www.a.test` redirects to `a.test` depends
/// on whether `www.a.test` is a host of its own. The incremental router and the render cache must
/// follow both sides: each change equals routing and rendering the whole state.
@Suite struct IncrementalWWWRedirectTests {
    static func ingress(_ name: String, host: String, annotations: [String: String]? = nil) -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z", annotations: annotations),
            spec: IngressSpec(rules: [IngressRule(host: host, paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: 80)))])]))
    }

    @Test func theRedirectFollowsTheOtherHost() throws {
        let services = [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))]
        let redirecting = Self.ingress("a", host: "a.test", annotations: ["nginx.ingress.kubernetes.io/from-to-www-redirect": "true"])
        let others = (0..<5).map { Self.ingress("o\($0)", host: "o\($0).test") }
        var router = IncrementalRouter(options: RoutingOptions())
        let cached = ConfigRenderer(reusingText: true)
        let options = RenderOptions(httpPort: 80, resolvers: ["10.0.0.1"])
        var state = ClusterState(ingresses: [redirecting] + others, services: services)
        let first = try cached.render(router.route(state).table(), options: options)
        #expect(first.contains("location /www.a.test/ {"))

        let redirect = "return 308 \"$scheme://a.test:$server_port$portico_www_path\";"
        let steps: [(String, (inout ClusterState) -> Void, Bool)] = [
            ("www host added", { $0.ingresses.append(Self.ingress("www", host: "www.a.test")) }, false),
            ("www host removed", { $0.ingresses.removeLast() }, true),
            ("redirect turned off", { $0.ingresses[0] = Self.ingress("a", host: "a.test") }, false),
            ("redirect on again", { $0.ingresses[0] = redirecting }, true),
            ("an alias takes the name", { $0.ingresses[1] = Self.ingress("o0", host: "o0.test", annotations: ["nginx.ingress.kubernetes.io/server-alias": "www.a.test"]) }, false),
        ]
        for (what, change, redirects) in steps {
            change(&state)
            let table = router.route(state).table()
            #expect(table == Router().route(state), "\(what)")
            let text = try cached.render(table, options: options)
            #expect(text == (try ConfigRenderer().render(table, options: options)), "\(what): the text was not rendered again")
            #expect(text.contains(redirect) == redirects, "\(what)")
        }
    }
}

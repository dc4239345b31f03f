// Gateway API at scale (issue 14's speed targets), a release build:
//   swift build -c release --product portico-gateway-bench && .build/release/portico-gateway-bench
// 1. Routing + rendering 10,000 HTTPRoutes in memory (target <= 1 s): each route its own
//    hostname, a header match with a request header filter, and a weighted split.
// 2. 1,000 HTTPRoutes beside 1,000 Ingresses against 2,000 Ingresses (the same size): routing,
//    rendering and nginx loading the config (`nginx -t`, the floor under every reload), the part
//    of change-to-live that depends on what the config holds (target: within 1.2x).
// `BENCH_ROUTES=N` changes the count of 1; `BENCH_CONFIGS=DIR` writes 2.'s configs there
// (mixed.conf, ingress-only.conf) for a look at what nginx loads.
import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting

let routeCount = Int(ProcessInfo.processInfo.environment["BENCH_ROUTES"] ?? "") ?? 10_000
let runs = 3

func gatewayObjects(_ state: inout ClusterState) {
    state.gatewayClasses = [GatewayClass(metadata: ObjectMeta(name: "portico"), spec: GatewayClassSpec(controllerName: RoutingOptions.gatewayControllerName))]
    state.gateways = [
        Gateway(
            metadata: ObjectMeta(name: "edge", namespace: "infra"),
            spec: GatewaySpec(
                gatewayClassName: "portico",
                listeners: [GatewayListener(name: "http", port: 80, protocol: "HTTP", allowedRoutes: AllowedRoutes(namespaces: RouteNamespaces(from: "All")))]))
    ]
}

func service(_ name: String, _ ns: String) -> Service {
    Service(metadata: ObjectMeta(name: name, namespace: ns), spec: ServiceSpec(ports: [ServicePort(name: "http", port: 80, targetPort: .int(8080))]))
}

func addRoutes(_ state: inout ClusterState, count: Int, from first: Int = 0) {
    for i in first..<(first + count) {
        let ns = "team-\(i % 50)"
        state.services.append(service("svc-\(i)", ns))
        state.services.append(service("canary-\(i)", ns))
        let rules = [
            HTTPRouteRule(
                matches: [HTTPRouteMatch(path: HTTPPathMatch(type: "PathPrefix", value: "/api/v2"), headers: [HTTPHeaderMatch(name: "X-Version", value: "2")])],
                filters: [.requestHeaderModifier(HTTPHeaderFilter(set: [HTTPHeader(name: "X-Route", value: "route-\(i)")]))],
                backendRefs: [HTTPBackendRef(name: "svc-\(i)", port: 80)]),
            HTTPRouteRule(
                matches: [HTTPRouteMatch(path: HTTPPathMatch(type: "PathPrefix", value: "/"))],
                backendRefs: [HTTPBackendRef(name: "svc-\(i)", port: 80, weight: 90), HTTPBackendRef(name: "canary-\(i)", port: 80, weight: 10)]),
        ]
        state.httpRoutes.append(
            HTTPRoute(
                metadata: ObjectMeta(name: "route-\(i)", namespace: ns, generation: 1, creationTimestamp: "2026-01-01T00:00:00Z"),
                spec: HTTPRouteSpec(parentRefs: [ParentReference(namespace: "infra", name: "edge")], hostnames: ["route-\(i).example.com"], rules: rules)))
    }
}

func addIngresses(_ state: inout ClusterState, count: Int) {
    for i in 0..<count {
        let ns = "team-\(i % 50)"
        state.services.append(service("app-\(i)", ns))
        let paths = (0..<2).map { p in HTTPIngressPath(path: "/api/v\(p)", pathType: "Prefix", backend: .service("app-\(i)", port: .init(number: 80))) }
        state.ingresses.append(
            Ingress(
                metadata: ObjectMeta(name: "app-\(i)", namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z"),
                spec: IngressSpec(rules: [IngressRule(host: "app-\(i).example.com", paths: paths)])))
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func fmt(_ s: Double) -> String { String(format: "%.3f s", s) }

func measure(_ state: ClusterState, options: RenderOptions) throws -> (route: Double, render: Double, config: String) {
    var routeBest = Double.infinity, renderBest = Double.infinity, config = ""
    for _ in 0..<runs {
        var table = RoutingTable()
        routeBest = min(routeBest, seconds { table = Router().route(state) })
        renderBest = min(renderBest, try seconds { config = try ConfigRenderer().render(table, options: options) })
    }
    return (routeBest, renderBest, config)
}

/// `nginx -t` on the config, best of `runs`; nil without nginx.
func nginxLoad(_ config: String) throws -> Double? {
    let nginx = "/usr/sbin/nginx"
    guard FileManager.default.isExecutableFile(atPath: nginx) else { return nil }
    let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("portico-gateway-bench-\(getpid())")
    try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: prefix) }
    try Data(config.replacingOccurrences(of: "worker_processes auto;", with: "worker_processes 1;").utf8).write(to: prefix.appendingPathComponent("nginx.conf"))
    var best = Double.infinity
    for _ in 0..<runs {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nginx)
        p.arguments = ["-t", "-q", "-p", prefix.path + "/", "-e", prefix.path + "/error.log", "-c", prefix.path + "/nginx.conf"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        best = min(best, try seconds {
            try p.run()
            p.waitUntilExit()
        })
        guard p.terminationStatus == 0 else { throw NSError(domain: "nginx -t failed", code: Int(p.terminationStatus)) }
    }
    return best
}

var big = ClusterState()
gatewayObjects(&big)
addRoutes(&big, count: routeCount)
let memory = try measure(big, options: RenderOptions(httpPort: 80, resolvers: ["10.96.0.10"]))
print("portico-gateway-bench: \(routeCount) HTTPRoutes (2 rules each: a header match with a header filter, a 90/10 split)")
print("  in memory: routing \(fmt(memory.route)), rendering \(fmt(memory.render)), total \(fmt(memory.route + memory.render)) (target <= 1 s); \(memory.config.utf8.count / 1_000_000) MB of nginx.conf")

let local = RenderOptions(httpPort: 18080, bindAddress: "127.0.0.1", resolvers: ["127.0.0.1"])
var mixed = ClusterState()
gatewayObjects(&mixed)
addRoutes(&mixed, count: 1_000)
addIngresses(&mixed, count: 1_000)
var ingressOnly = ClusterState()
addIngresses(&ingressOnly, count: 2_000)
let m = try measure(mixed, options: local), o = try measure(ingressOnly, options: local)
if let dir = ProcessInfo.processInfo.environment["BENCH_CONFIGS"] {
    try Data(m.config.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent("mixed.conf"))
    try Data(o.config.utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent("ingress-only.conf"))
}
let (mLoad, oLoad) = (try nginxLoad(m.config), try nginxLoad(o.config))
let mTotal = m.route + m.render + (mLoad ?? 0), oTotal = o.route + o.render + (oLoad ?? 0)
print("  1,000 HTTPRoutes + 1,000 Ingresses: routing \(fmt(m.route)), rendering \(fmt(m.render)), nginx -t \(mLoad.map(fmt) ?? "skipped"): \(fmt(mTotal))")
print("  2,000 Ingresses:                   routing \(fmt(o.route)), rendering \(fmt(o.render)), nginx -t \(oLoad.map(fmt) ?? "skipped"): \(fmt(oTotal))")
print("  ratio \(String(format: "%.2f", mTotal / oTotal))x (target <= 1.2x)")

// TCP services at scale, in memory (issue 13): N TCP services in ingress-nginx's tcp-services
// ConfigMap (default 1,000, ports 20000 up, each to its own Service) beside N Ingresses of five
// paths. Prints routing and rendering for the whole config (target at 1,000 + 1,000: rendering
// <= 200 ms) and the stream servers served, best of a few passes, wall clock and this thread's CPU.
// Usage: swift build -c release --product portico-stream-bench && .build/release/portico-stream-bench [N]
import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
let passes = 5

func timed(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    var a = timespec(), b = timespec()
    let start = DispatchTime.now().uptimeNanoseconds
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
    try body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (wall, Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9)
}

var state = ClusterState()
var tcp: [String: String] = [:]
for i in 0..<count {
    state.services.append(
        Service(metadata: ObjectMeta(name: "svc-\(i)", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(name: "tcp", port: 5432)])))
    tcp["\(20000 + i)"] = "default/svc-\(i):5432"
    state.ingresses.append(
        Ingress(
            metadata: ObjectMeta(name: "app-\(i)", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z"),
            spec: IngressSpec(rules: [
                IngressRule(
                    host: "app-\(i).example.com",
                    paths: (0..<5).map { HTTPIngressPath(path: "/p\($0)", pathType: "Prefix", backend: .service("svc-\(i)", port: .init(number: 5432))) })
            ])))
}
state.configMaps.append(ConfigMap(metadata: ObjectMeta(name: "tcp-services", namespace: "ingress"), data: tcp))

var routing = RoutingOptions()
routing.streams = StreamOptions(tcpServices: ObjectReference(kind: "ConfigMap", namespace: "ingress", name: "tcp-services"), reservedPorts: [80: "HTTP"])
let options = RenderOptions(httpPort: 80, resolvers: ["10.96.0.10"])
var table = RoutingTable()
var config = ""
var routed: [(wall: Double, cpu: Double)] = [], rendered: [(wall: Double, cpu: Double)] = []
for _ in 0..<passes {
    routed.append(timed { table = Router(options: routing).route(state) })
    rendered.append(try timed { config = try ConfigRenderer().render(table, options: options) })
}
let servers = table.streams.count
let listens = config.components(separatedBy: "\n").filter { $0.hasPrefix("        listen 2") }.count
let best = { (v: [(wall: Double, cpu: Double)]) in (v.map(\.wall).min() ?? 0, v.map(\.cpu).min() ?? 0) }
let (routeWall, routeCPU) = best(routed), (renderWall, renderCPU) = best(rendered)
print("portico-stream-bench: \(count) TCP services in tcp-services and \(count) Ingresses x 5 paths; \(servers) stream servers routed, \(listens) listening in the config (\(config.utf8.count / 1024) KB)")
print(String(format: "  best of %d: routing %.0f ms (CPU %.0f ms), rendering %.0f ms (CPU %.0f ms; target at 1,000 + 1,000: 200 ms)",
    passes, routeWall * 1000, routeCPU * 1000, renderWall * 1000, renderCPU * 1000))

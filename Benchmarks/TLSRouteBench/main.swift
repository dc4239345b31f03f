// HTTPS at scale, in memory: N hosts (default 1,000), each its own Ingress with spec.tls and its own
// Secret (a P-256 certificate, generated first, not timed). Prints validation + routing + rendering
// for a first pass (every certificate validated; target at 1,000 hosts: 300 ms) and for a pass
// after one Secret was renewed (the others come from the certificate cache, as in `portico run`).
// Usage: swift build -c release --product portico-tls-route-bench && .build/release/portico-tls-route-bench [N]
import CMallocShims
import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS

let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
let now = Date()

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func secret(_ i: Int, _ bundle: CertificateBundle) -> Secret {
    Secret(
        metadata: ObjectMeta(name: "tls-\(i)", namespace: "default"), type: "kubernetes.io/tls",
        data: ["tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(), "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString()])
}

func heapMB() -> Double { Double(portico_malloc_in_use()) / 1_048_576 }
let heapAtStart = heapMB()
var state = ClusterState(services: [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))])
for i in 0..<count {
    let host = "app-\(i).example.com"
    let bundle = try SelfSignedCertificate.generate(commonName: host, now: now)
    state.secrets.append(secret(i, bundle))
    state.ingresses.append(
        Ingress(
            metadata: ObjectMeta(name: "app-\(i)", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z"),
            spec: IngressSpec(
                rules: [IngressRule(host: host, paths: (0..<5).map { HTTPIngressPath(path: "/p\($0)", pathType: "Prefix", backend: .service("web", port: .init(number: 80))) })],
                tls: [IngressTLS(hosts: [host], secretName: "tls-\(i)")])))
}
let heapWithObjects = heapMB()
let options = RenderOptions(httpPort: 80, resolvers: ["10.96.0.10"], httpsPort: 443, sessionTicketKey: "tls/ticket.key")
let routing = RoutingOptions(servesHTTPS: true)
let cache = CertificateCache()
var table = RoutingTable()
func cpu(_ body: () throws -> Void) rethrows -> Double {
    var a = timespec(), b = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
    try body()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
    return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
}
var firstRouting = 0.0, firstRoutingCPU = 0.0, firstRenderingCPU = 0.0
let first = try seconds {
    firstRouting = seconds { firstRoutingCPU = cpu { table = Router(options: routing, certificates: cache, now: now).route(state) } }
    firstRenderingCPU = try cpu { _ = try ConfigRenderer().render(table, options: options) }
}
let served = table.virtualHosts.filter { $0.tls?.certificate != nil }.count
table = RoutingTable()
let heapWithCache = heapMB()
state.secrets[count / 2] = secret(count / 2, try SelfSignedCertificate.generate(commonName: "app-\(count / 2).example.com", now: now))
var renewalRouting = 0.0
let renewal = try seconds {
    renewalRouting = seconds { table = Router(options: routing, certificates: cache, now: now).route(state) }
    _ = try ConfigRenderer().render(table, options: options)
}
print("portico-tls-route-bench: \(count) hosts, each with its own Ingress, spec.tls and Secret (ECDSA P-256); \(served) served with their certificate")
print(String(format: "  first pass, every certificate validated: validation + routing + rendering %.0f ms (target at 1,000 hosts: 300 ms)", first * 1000))
// Validation runs on every core; this thread's CPU time is what the rest costs, whatever the machine's load.
print(String(format: "    validation + routing %.0f ms (this thread's CPU: %.0f ms), rendering %.0f ms (CPU %.0f ms)",
    firstRouting * 1000, firstRoutingCPU * 1000, (first - firstRouting) * 1000, firstRenderingCPU * 1000))
print(String(format: "  after one Secret was renewed (the rest from the certificate cache): %.0f ms (routing %.0f ms, rendering %.0f ms)",
    renewal * 1000, renewalRouting * 1000, (renewal - renewalRouting) * 1000))
print(String(format: "  heap: the Ingresses, Services and Secrets %.1f MB (%.2f KB per host); the certificate cache %.1f MB (%.2f KB per certificate)",
    heapWithObjects - heapAtStart, (heapWithObjects - heapAtStart) * 1024 / Double(count), heapWithCache - heapWithObjects,
    (heapWithCache - heapWithObjects) * 1024 / Double(count)))
// BENCH_PASSES=K: K more passes as after a renewal, timed in this thread's CPU time, which
// other work on the machine disturbs less than the wall clock.
if let n = ProcessInfo.processInfo.environment["BENCH_PASSES"].flatMap(Int.init), n > 0 {
    var routed = [Double](), rendered = [Double]()
    for _ in 0..<n {
        routed.append(cpu { table = Router(options: routing, certificates: cache, now: now).route(state) })
        rendered.append(try cpu { _ = try ConfigRenderer().render(table, options: options) })
    }
    let median = { (v: [Double]) in v.sorted()[v.count / 2] * 1000 }
    print(String(format: "  %d more passes, median CPU time of this thread: routing %.1f ms, rendering %.1f ms", n, median(routed), median(rendered)))
}

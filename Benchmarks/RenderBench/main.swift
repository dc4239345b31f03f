// Measures Portico at scale: 10,000 Ingresses with 5 paths each and 10,000 Services.
//   1. routing + rendering in memory (target: at most 1 s)
//   2. `portico render` end to end from a JSON List (target: 2 s) and from YAML (target: 4 s),
//      as a child process, with its peak resident memory (target: under 300 MB)
// Run with `make bench` (release build). Figures are the best of a few runs, printed plainly.
import Foundation
import PorticoModel
import PorticoRender
import PorticoRouting

let ingressCount = Int(ProcessInfo.processInfo.environment["BENCH_INGRESSES"] ?? "") ?? 10_000
let pathsPerIngress = 5
let runs = 3

func makeState() -> ClusterState {
    var state = ClusterState()
    for i in 0..<ingressCount {
        let ns = "team-\(i % 50)"
        state.services.append(
            Service(
                metadata: ObjectMeta(name: "svc-\(i)", namespace: ns),
                spec: ServiceSpec(ports: [ServicePort(name: "http", port: 80, targetPort: .int(8080))])))
        let paths = (0..<pathsPerIngress).map { p in
            HTTPIngressPath(
                path: "/api/v\(p)/items", pathType: p % 2 == 0 ? "Prefix" : "Exact",
                backend: .service("svc-\(i)", port: p % 3 == 0 ? .init(name: "http") : .init(number: 80)))
        }
        state.ingresses.append(
            Ingress(
                metadata: ObjectMeta(
                    name: "app-\(i)", namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z"),
                spec: IngressSpec(rules: [IngressRule(host: "app-\(i).example.com", paths: paths)])))
    }
    return state
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func fmt(_ s: Double) -> String { String(format: "%.3f s", s) }

let state = makeState()
let options = RenderOptions(httpPort: 80, resolvers: ["10.96.0.10"])
var routeBest = Double.infinity, renderBest = Double.infinity, bytes = 0, locations = 0
for _ in 0..<runs {
    var table = RoutingTable()
    routeBest = min(routeBest, seconds { table = Router().route(state) })
    var config = ""
    renderBest = min(renderBest, try seconds { config = try ConfigRenderer().render(table, options: options) })
    bytes = config.utf8.count
    locations = table.virtualHosts.reduce(0) { $0 + $1.locations.count }
}
print("portico-bench: \(ingressCount) Ingresses x \(pathsPerIngress) paths, \(ingressCount) Services")
print("  in memory: routing \(fmt(routeBest)), rendering \(fmt(renderBest)), total \(fmt(routeBest + renderBest)) (target <= 1 s)")
print("  output: \(locations) locations, \(bytes / 1_000_000) MB of nginx.conf")

// Manifests on disk, as `kubectl get ing,svc -A -o json|yaml` would write them.
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

struct ListDocument: Encodable {
    var apiVersion = "v1"
    var kind = "List"
    var items: [Item]
    enum Item: Encodable {
        case ingress(Ingress), service(Service)
        func encode(to encoder: any Encoder) throws {
            switch self {
            case .ingress(let i): try i.encode(to: encoder)
            case .service(let s): try s.encode(to: encoder)
            }
        }
    }
}
let list = ListDocument(items: state.services.map { .service($0) } + state.ingresses.map { .ingress($0) })
let jsonFile = dir.appendingPathComponent("cluster.json")
try JSONEncoder().encode(list).write(to: jsonFile)

// YAML written by hand in kubectl's block style (Yams' encoder is not in the product).
var yaml = ""
yaml.reserveCapacity(20_000_000)
for s in state.services {
    yaml += """
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: \(s.metadata.name)
          namespace: \(s.metadata.effectiveNamespace)
        spec:
          ports:
          - name: http
            port: 80
            targetPort: 8080\n
        """
}
for i in state.ingresses {
    yaml += """
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: \(i.metadata.name)
          namespace: \(i.metadata.effectiveNamespace)
          creationTimestamp: "2026-01-01T00:00:00Z"
        spec:
          rules:
          - host: \(i.spec.rules[0].host ?? "")
            http:
              paths:\n
        """
    for p in i.spec.rules[0].http?.paths ?? [] {
        let port = p.backend.service?.port.name.map { "name: \($0)" } ?? "number: 80"
        yaml += """
                  - path: \(p.path ?? "/")
                    pathType: \(p.pathType ?? "Prefix")
                    backend:
                      service:
                        name: \(p.backend.service?.name ?? "")
                        port:
                          \(port)\n
            """
    }
}
let yamlFile = dir.appendingPathComponent("cluster.yaml")
try Data(yaml.utf8).write(to: yamlFile)

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("portico")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    print("  (skipping end to end: \(binary.path) not built; run `swift build -c release` first)")
    exit(0)
}

/// Runs `portico render -f file` with stdout to /dev/null; wall time and the child's peak RSS.
func renderEndToEnd(_ file: URL) throws -> (Double, Int) {
    var best = Double.infinity, peak = 0
    for _ in 0..<runs {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["render", "-f", file.path, "--resolver", "10.96.0.10"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        let t = try seconds {
            try p.run()
            p.waitUntilExit()
        }
        guard p.terminationStatus == 0 else { throw NSError(domain: "portico render exited \(p.terminationStatus)", code: 1) }
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        peak = max(peak, usage.ru_maxrss / 1024)  // ru_maxrss is in KB; the largest child so far
        best = min(best, t)
    }
    return (best, peak)
}

let jsonSize = (try? FileManager.default.attributesOfItem(atPath: jsonFile.path)[.size] as? Int) ?? 0
let yamlSize = (try? FileManager.default.attributesOfItem(atPath: yamlFile.path)[.size] as? Int) ?? 0
let (jsonTime, jsonPeak) = try renderEndToEnd(jsonFile)
print("  portico render -f cluster.json (\(jsonSize / 1_000_000) MB): \(fmt(jsonTime)) (target <= 2 s), peak RSS \(jsonPeak) MB (target < 300 MB)")
let (yamlTime, yamlPeak) = try renderEndToEnd(yamlFile)
print("  portico render -f cluster.yaml (\(yamlSize / 1_000_000) MB): \(fmt(yamlTime)) (target <= 4 s), peak RSS \(max(jsonPeak, yamlPeak)) MB (target < 300 MB)")

// 3. How long nginx itself takes to load that config (`nginx -t`): the floor under any reload.
let nginxPath = "/usr/sbin/nginx"
if FileManager.default.isExecutableFile(atPath: nginxPath) {
    let prefix = dir.appendingPathComponent("nginx")
    try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
    let table = Router().route(state)
    try Data(ConfigRenderer().render(table, options: RenderOptions(httpPort: 18080, bindAddress: "127.0.0.1", resolvers: ["127.0.0.1"])).utf8)
        .write(to: prefix.appendingPathComponent("nginx.conf"))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: nginxPath)
    p.arguments = ["-t", "-q", "-p", prefix.path + "/", "-e", prefix.path + "/error.log", "-c", prefix.path + "/nginx.conf"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let t = try seconds {
        try p.run()
        p.waitUntilExit()
    }
    print("  nginx -t on it: \(fmt(t)), exit \(p.terminationStatus) (nginx's own load time: the floor under every reload)")
} else {
    print("  (nginx not installed: skipping nginx -t)")
}

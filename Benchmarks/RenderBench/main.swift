// Measures Portico at scale: 10,000 Ingresses with 5 paths each and 10,000 Services.
//   1. routing + rendering in memory (target: at most 1 s)
//   2. `portico render` end to end from a JSON List (target: 2 s) and from YAML (target: 4 s), both
//      multi-document and the `kind: List` that `kubectl get ing,svc -A -o yaml` prints, as a child
//      process, with its peak resident memory (target: under 300 MB)
//   3. a one-host change rendered again reusing the other hosts' text, into a String and, as the
//      controller does, into the config file copying from the one written before
//      (`BENCH_FILE_RERENDERS=N` runs only up to there, N times)
// Run with `make bench` (release build). Figures are the best of a few runs, printed plainly.
// `BENCH_ANNOTATIONS=1`: every Ingress carries 8 of ingress-nginx's annotations (body size, a
// timeout, buffering, upstream-vhost, CORS with its own origin, ssl-redirect, a source range,
// use-regex), issue 12's measure: in memory <= 1 s, render from JSON <= 2.5 s, peak < 350 MB.
import Foundation
import PorticoCLI
import PorticoModel
import PorticoNginx
import PorticoRender
import PorticoRouting

let ingressCount = Int(ProcessInfo.processInfo.environment["BENCH_INGRESSES"] ?? "") ?? 10_000
let pathsPerIngress = 5
let runs = 3
let annotated = ProcessInfo.processInfo.environment["BENCH_ANNOTATIONS"] == "1"

/// Eight ingress-nginx annotations of Ingress `i`, as a migrated cluster would carry them.
func annotations(_ i: Int) -> [String: String] {
    let n = "nginx.ingress.kubernetes.io/"
    return [
        n + "proxy-body-size": "8m", n + "proxy-read-timeout": "120", n + "proxy-buffering": "off",
        n + "upstream-vhost": "app-\(i).internal", n + "enable-cors": "true", n + "cors-allow-origin": "https://app-\(i).example.com",
        n + "whitelist-source-range": "10.0.0.0/8,192.168.0.0/16", n + "use-regex": "true",
    ]
}

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
                    name: "app-\(i)", namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z",
                    annotations: annotated ? annotations(i) : nil),
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
print("portico-bench: \(ingressCount) Ingresses x \(pathsPerIngress) paths, \(ingressCount) Services" + (annotated ? ", 8 annotations each" : ""))
print("  in memory: routing \(fmt(routeBest)), rendering \(fmt(renderBest)), total \(fmt(routeBest + renderBest)) (target <= 1 s)")
print("  output: \(locations) locations, \(bytes / 1_000_000) MB of nginx.conf")

// The controller's renderer keeps each host's text: after a one-host change (the other hosts'
// routing untouched, as the controller's incremental routing leaves them) it renders that host
// and writes the others as they were (still the whole file, into a String here).
do {
    let cached = ConfigRenderer(reusingText: true)
    var table = Router().route(state)
    _ = try cached.render(table, options: options)
    var best = Double.infinity
    let repeats = Int(ProcessInfo.processInfo.environment["BENCH_RERENDERS"] ?? "") ?? runs
    for run in 0..<repeats {
        table.virtualHosts[run * 997 % table.virtualHosts.count].locations[0].path = "/changed-\(run)"
        best = min(best, try seconds { _ = try cached.render(table, options: options) })
    }
    let counts = cached.cache?.lastCounts ?? (reused: 0, rendered: 0)
    print("  rendering again after a one-host change, reusing unchanged hosts' text: \(fmt(best)) (\(counts.rendered) items rendered, \(counts.reused) reused)")
    if ProcessInfo.processInfo.environment["BENCH_RERENDERS"] != nil { exit(0) }
}

// As the controller does it (its sink's types): rendered into the config file, from which the
// next render copies unchanged hosts' text (the file is handed to the cache once committed).
do {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portico-bench-file-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("nginx.conf").path
    let cached = ConfigRenderer(reusingText: true)
    var table = Router().route(state)
    /// This thread's CPU time: on a shared machine, less noisy than the clock.
    func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    var cpu: [Double] = []
    func renderIntoFile() throws -> Double {
        let writer = try ConfigFileWriter(path: path)
        var out = FileOutput(file: writer)
        let config = cached.text(table, options: options)
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPU()
        try config.write(to: &out)
        let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        cpu.append(threadCPU() - cpuStart)
        try writer.commit()
        if let file = writer.committedFile { config.wrote(into: WrittenConfig(file: file)) }
        return s
    }
    _ = try renderIntoFile()
    var times: [Double] = []
    let repeats = Int(ProcessInfo.processInfo.environment["BENCH_FILE_RERENDERS"] ?? "") ?? 5
    for run in 0..<repeats {
        table.virtualHosts[run * 997 % table.virtualHosts.count].locations[0].path = "/changed-\(run)"
        times.append(try renderIntoFile())
    }
    let counts = cached.cache?.lastCounts ?? (reused: 0, rendered: 0)
    guard try String(contentsOfFile: path, encoding: .utf8) == ConfigRenderer().render(table, options: options) else {
        print("portico-bench: the file rendered reusing text differs from a fresh render")
        exit(1)
    }
    times.sort()
    cpu = cpu.dropFirst().sorted()
    print("  rendering again into the config file after a one-host change: p50 \(fmt(times[times.count / 2])), best \(fmt(times[0])); CPU p50 \(fmt(cpu[cpu.count / 2])) (\(counts.rendered) items rendered, \(counts.reused) reused)")
    if ProcessInfo.processInfo.environment["BENCH_FILE_RERENDERS"] != nil { exit(0) }
}

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

// What `kubectl get ing,svc -A -o yaml` prints: one `kind: List` with the fields the API server
// fills in (uid, resourceVersion, clusterIP, status, ...), which Portico reads past.
func kubectlYAML() -> String {
    var out = "apiVersion: v1\nitems:\n"
    out.reserveCapacity(40_000_000)
    for (n, s) in state.services.enumerated() {
        out += """
            - apiVersion: v1
              kind: Service
              metadata:
                creationTimestamp: "2026-01-01T00:00:00Z"
                labels:
                  app: \(s.metadata.name)
                name: \(s.metadata.name)
                namespace: \(s.metadata.effectiveNamespace)
                resourceVersion: "\(100_000 + n)"
                uid: 6f1c2a4e-0000-4000-8000-\(String(format: "%012d", n))
              spec:
                clusterIP: 10.96.\(n / 250).\(n % 250 + 1)
                clusterIPs:
                - 10.96.\(n / 250).\(n % 250 + 1)
                internalTrafficPolicy: Cluster
                ipFamilies:
                - IPv4
                ipFamilyPolicy: SingleStack
                ports:
                - name: http
                  port: 80
                  protocol: TCP
                  targetPort: 8080
                selector:
                  app: \(s.metadata.name)
                sessionAffinity: None
                type: ClusterIP
              status:
                loadBalancer: {}\n
            """
    }
    for (n, i) in state.ingresses.enumerated() {
        out += """
            - apiVersion: networking.k8s.io/v1
              kind: Ingress
              metadata:
                creationTimestamp: "2026-01-01T00:00:00Z"
                generation: 1
                name: \(i.metadata.name)
                namespace: \(i.metadata.effectiveNamespace)
                resourceVersion: "\(200_000 + n)"
                uid: 7a2d3b5f-0000-4000-8000-\(String(format: "%012d", n))
              spec:
                rules:
                - host: \(i.spec.rules[0].host ?? "")
                  http:
                    paths:\n
            """
        for p in i.spec.rules[0].http?.paths ?? [] {
            let port = p.backend.service?.port.name.map { "name: \($0)" } ?? "number: 80"
            out += """
                        - backend:
                            service:
                              name: \(p.backend.service?.name ?? "")
                              port:
                                \(port)
                          path: \(p.path ?? "/")
                          pathType: \(p.pathType ?? "Prefix")\n
                """
        }
        out += "  status:\n    loadBalancer:\n      ingress:\n      - ip: 10.0.0.1\n"
    }
    return out + "kind: List\nmetadata:\n  resourceVersion: \"\"\n"
}
let kubectlYAMLFile = dir.appendingPathComponent("kubectl.yaml")
try Data(kubectlYAML().utf8).write(to: kubectlYAMLFile)

/// CPU seconds that `body` takes (the process's, all threads): steadier than wall time on a shared machine.
func cpuSeconds(_ body: () throws -> Void) rethrows -> Double {
    func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    let start = now()
    try body()
    return now() - start
}

// Decoding alone, in process: the part of `portico render` that reads manifests, in CPU seconds.
for (file, what) in [(jsonFile, "a JSON List"), (yamlFile, "multi-document YAML"), (kubectlYAMLFile, "kubectl's kind: List")] {
    let data = try Data(contentsOf: file)
    var best = Double.infinity, checked = Double.infinity, count = 0, warnings = 0
    for _ in 0..<runs {
        best = min(best, try cpuSeconds { count = try ManifestDecoder.decode(data, source: file.lastPathComponent).count })
        checked = min(checked, try cpuSeconds { warnings = try ManifestDecoder.decodeWithWarnings(data, source: file.lastPathComponent).warnings.count })
    }
    print("  decode \(file.lastPathComponent) (\(what), \(data.count / 1_000_000) MB, \(count) objects): \(fmt(best)) CPU, "
        + "with unknown-field warnings \(fmt(checked)) (\(warnings) warnings)")
}

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("portico")
guard FileManager.default.isExecutableFile(atPath: binary.path) else {
    print("  (skipping end to end: \(binary.path) not built; run `swift build -c release` first)")
    exit(0)
}

/// Runs `portico render -f file` with its output to /dev/null: the best wall time of a few runs, and
/// the largest peak resident memory of those children (wait4's figure for each child itself).
func renderEndToEnd(_ file: URL) throws -> (seconds: Double, peakMB: Int) {
    var best = Double.infinity, peak = 0
    for _ in 0..<runs {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let args = [binary.path, "render", "-f", file.path, "--resolver", "10.96.0.10"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        var usage = rusage()
        let t = try seconds {
            guard posix_spawn(&pid, binary.path, &actions, nil, &argv, environ) == 0 else {
                throw NSError(domain: "cannot start \(binary.path)", code: 1)
            }
            _ = wait4(pid, &status, 0, &usage)
        }
        guard status == 0 else { throw NSError(domain: "portico render exited with status \(status)", code: 1) }
        peak = max(peak, usage.ru_maxrss / 1024)  // ru_maxrss is in KB
        best = min(best, t)
    }
    return (best, peak)
}

// The YAML files carry no annotations: with them, only the JSON List is measured (issue 12's target).
for (file, what, target) in annotated ? [(jsonFile, "a JSON List", 2.5)] : [
    (jsonFile, "a JSON List", 2.0), (yamlFile, "multi-document YAML", 4.0),
    (kubectlYAMLFile, "YAML kind: List as kubectl prints it", 4.0),
] {
    let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
    let (time, peak) = try renderEndToEnd(file)
    print("  portico render -f \(file.lastPathComponent) (\(what), \(size / 1_000_000) MB): \(fmt(time)) (target <= \(target) s), "
        + "peak RSS \(peak) MB (target < \(annotated ? 350 : 300) MB)")
}

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

import CMallocShims
import ArgumentParser
import Foundation
import Logging
import PorticoController
import PorticoHealth
import PorticoKube
import PorticoNginx
import PorticoRender
import PorticoRouting
import PorticoTLS

#if canImport(Glibc)
    import Glibc
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller: keep a child nginx serving the cluster's Ingresses.",
        discussion: """
            Lists Ingresses, Services and IngressClasses, renders the first nginx.conf, and only then \
            starts nginx (in the foreground, as a child) so there is never a window with no config. \
            Then every change to a watched object wakes a reconcile: a whole snapshot is routed and \
            rendered, and nginx is reloaded only when the routing changed. A config nginx refuses is \
            logged with nginx's message and the last good one keeps serving. SIGTERM stops \
            reconciling, lets nginx finish in-flight requests, and exits 0.

            Unless --no-gateway-api it watches the Gateway API's kinds and Namespaces too; the leader \
            writes the status of the GatewayClasses whose spec.controllerName is \
            --gateway-controller-name, of their Gateways and of the HTTPRoutes attached to them, once \
            the config made from them is live.

            In a pod it uses the service account; out of cluster, --kubeconfig or $KUBECONFIG or \
            ~/.kube/config. Health: GET /healthz, /readyz and /metrics on --health-port.
            """)

    @OptionGroup var cluster: ClusterFlags
    @OptionGroup var render: RenderFlags

    @Option(
        name: [.customLong("watch-namespace"), .customLong("namespace")],
        help: ArgumentHelp("Watch Ingresses and Services in this namespace only (default: all).", valueName: "namespace"))
    var watchNamespace: String?

    @Option(help: "Port for /healthz, /readyz and /metrics.")
    var healthPort: Int = 10254

    @Option(help: ArgumentHelp("Address the health port listens on.", valueName: "ip"))
    var healthAddress: String = "0.0.0.0"

    @Option(help: ArgumentHelp("Loopback port of nginx's internal status server (which config generation serves).", valueName: "port"))
    var statusPort: Int = 10246

    @Option(help: ArgumentHelp("The nginx executable.", valueName: "path"))
    var nginx: String = "/usr/sbin/nginx"

    @Option(help: ArgumentHelp("User nginx's workers run as when Portico runs as root (e.g. www-data).", valueName: "user"))
    var nginxUser: String?

    @Option(help: ArgumentHelp("Where nginx.conf, the pid file and temporary files live (created if missing).", valueName: "dir"))
    var runtimeDir: String = "/var/run/portico"

    @Option(help: ArgumentHelp(
        "How a new config is tested: reload (nginx's master parses it on reload and keeps the old workers serving if it refuses) or nginx-t (run `nginx -t` first as well; nginx then parses every config twice).",
        valueName: "mode"))
    var configTest: NginxApplier.Validation = .reload

    @Option(help: ArgumentHelp(
        "A change is applied at once; changes that come while a reload runs or within this many milliseconds after it are applied together when that time is up (a reconcile that reloads nothing makes nothing wait).",
        valueName: "ms"))
    var syncWindowMs: Int = 100

    @Option(help: ArgumentHelp("Seconds nginx gets to finish in-flight requests on SIGTERM.", valueName: "seconds"))
    var shutdownGrace: Int = 25

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: ArgumentHelp(
        "Written to status.loadBalancer.ingress of every Ingress Portico serves: an IP (ip:) or a DNS name (hostname:). Default: $NODE_IP (rc.yaml sets it to the node's IP); without either, status is not written.",
        valueName: "address"))
    var publishStatusAddress: String?

    @Option(name: .customLong("election-id"), help: ArgumentHelp(
        "Name of the coordination.k8s.io Lease the replicas elect a leader with; only the leader writes Ingress status and Events, every replica serves traffic.",
        valueName: "name"))
    var electionID: String = "portico-leader"

    @Option(help: ArgumentHelp(
        "Namespace of the Lease. Default: $POD_NAMESPACE, else the service account's (or kubeconfig context's) namespace.",
        valueName: "namespace"))
    var electionNamespace: String?

    @Option(help: ArgumentHelp("This replica's name in the Lease. Default: $POD_NAME, else host name and pid.", valueName: "name"))
    var electionIdentity: String?

    @Option(help: ArgumentHelp(
        "The spec.controllerName of Portico's GatewayClasses: the leader writes status to them, to their Gateways and to the HTTPRoutes attached to those.",
        valueName: "name"))
    var gatewayControllerName: String = Self.defaultGatewayControllerName

    @Flag(
        inversion: .prefixedNo,
        help: "Watch the Gateway API (GatewayClasses, Gateways, HTTPRoutes, ReferenceGrants) and Namespaces, and write Gateway API status. Without the Gateway API's CRDs installed, Ingresses are served and the CRDs are looked for every minute.")
    var gatewayAPI: Bool = true

    static let defaultGatewayControllerName = "portico.io/gateway-controller"

    enum LogFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard (1...65535).contains(healthPort) else { throw ValidationError("--health-port: \(healthPort) is not a port number") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \"\(logLevel)\"") }
        guard (0...60_000).contains(syncWindowMs) else { throw ValidationError("--sync-window-ms: must be 0-60000") }
        _ = try Self.publishAddress(flag: publishStatusAddress, environment: ProcessInfo.processInfo.environment)
        guard PorticoRouting.Validation.isSubdomain(electionID) else {
            throw ValidationError("--election-id: \"\(electionID.prefix(80))\" is not a valid object name (lowercase letters, digits, '-' and '.')")
        }
        if !Self.isControllerName(gatewayControllerName) {
            throw ValidationError(
                "--gateway-controller-name: \"\(gatewayControllerName.prefix(80))\" is not a domain-prefixed path (e.g. \(Self.defaultGatewayControllerName))")
        }
        if let electionNamespace, !PorticoRouting.Validation.isLabel(electionNamespace) {
            throw ValidationError("--election-namespace: \"\(electionNamespace.prefix(80))\" is not a valid namespace name")
        }
    }

    func run() async throws {
        // Every reconcile builds a config of up to tens of megabytes on one thread or another.
        // With glibc's defaults (an arena per thread, an mmap threshold that rises to the largest
        // block freed) those pages stay in the process and its resident size only grows.
        _ = portico_malloc_tune(2, 1 << 20)
        let format = logFormat, level = Logger.Level(rawValue: logLevel) ?? .info
        let logger = Logger(label: "portico") { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            try await runController(logger: logger)
        } catch is CancellationError {
            // SIGTERM or SIGINT: a clean stop, exit 0.
        } catch {
            logger.critical("portico stopped", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }

    func runController(logger: Logger) async throws {
        var settings = try render.settings(logs: .standardStreams)
        settings.routing.streams.reservedPorts[healthPort] = "health"
        settings.routing.streams.reservedPorts[statusPort] = "status"
        // The GatewayClasses whose HTTPRoutes are routed are the ones whose status is written.
        settings.routing.gatewayControllerName = gatewayControllerName
        var renderOptions = settings.render
        renderOptions.statusPort = statusPort
        renderOptions.workerUser = nginxUser
        try renderOptions.validate()

        try FileManager.default.createDirectory(atPath: runtimeDir, withIntermediateDirectories: true)
        let configuration = try cluster.configuration()
        logger.info("starting", metadata: [
            "kube.server": "\(configuration.server)", "kube.source": "\(configuration.source)",
            "watch.namespace": "\(watchNamespace ?? "(all)")", "nginx.runtime": "\(runtimeDir)",
        ])
        let client = KubeClient(configuration: configuration)
        let https = renderOptions.httpsPort != nil
        // Secrets always: spec.tls's certificates (with HTTPS) and basic authentication's users.
        let watcher = ClusterWatcher(
            client: client,
            scope: .init(
                namespace: watchNamespace, secrets: true, configMaps: settings.routing.watchedConfigMaps, gatewayAPI: gatewayAPI),
            logger: logger)
        let process = NginxProcess(executable: nginx, runtimeDirectory: runtimeDir)
        let applier = NginxApplier(nginx: process, statusPort: statusPort, validation: configTest)
        // HTTPS: the default certificate (self-signed, made now) and the session ticket key, before
        // the first config names them; each config's certificates are written as it is applied.
        let tlsFiles = https ? TLSFiles(prefix: runtimeDir, workerUser: nginxUser) : nil
        if let tlsFiles {
            let fallback = try tlsFiles.writeDefaults(for: renderOptions)
            if let secret = settings.routing.defaultCertificate {
                logger.info("default certificate", metadata: [
                    "tls.source": "secret \(secret.namespace)/\(secret.name) (--default-ssl-certificate)",
                    "tls.fallback": "self-signed at start, while that Secret is missing or invalid",
                    "tls.fallback_sha256": "\(fallback.leaf.sha256Fingerprint)",
                ])
            } else {
                logger.info("default certificate", metadata: [
                    "tls.source": "self-signed at start", "tls.sha256": "\(fallback.leaf.sha256Fingerprint)",
                    "tls.not_after": "\(fallback.leaf.notAfter)",
                ])
            }
        }
        let supervisor = NginxSupervisor(nginx: process, logger: logger)
        let metrics = ControllerMetrics()
        let reporting = try makeReporting(client: client, configuration: configuration, metrics: metrics, logger: logger)
        let controller = Controller(
            source: WatcherSource(watcher: watcher),
            sink: NginxSink(
                applier: applier, supervisor: supervisor, tlsFiles: tlsFiles,
                keptFiles: [renderOptions.defaultCertificate], authFiles: TLSFiles(prefix: runtimeDir, workerUser: nginxUser)),
            renderer: ConfigRenderer(template: settings.renderer.template, reusingText: true),
            options: .init(routing: settings.routing, render: renderOptions, syncWindow: .milliseconds(syncWindowMs)),
            logger: logger, metrics: metrics, observer: reporting.reporting,
            // What a reconcile freed (the old snapshot, routing runs, the rendered text's buffers)
            // goes back to the system; glibc would otherwise keep it in its arenas.
            afterReconcile: {
                _ = portico_malloc_trim()
                metrics.recordHeapInUse(bytes: portico_malloc_in_use())
            })

        let health = try HealthServer(address: healthAddress, port: healthPort) { path in
            switch path {
            case "/healthz":
                // Before the first config nginx is not started yet; that is not unhealthy.
                return !metrics.isReady || process.isRunning
                    ? .init(status: 200, body: "ok\n") : .init(status: 503, body: "nginx is not running\n")
            case "/readyz":
                return metrics.isReady
                    ? .init(status: 200, body: "ok\n") : .init(status: 503, body: "first config not live yet\n")
            case "/metrics":
                return .init(status: 200, contentType: "text/plain; version=0.0.4", body: metrics.prometheusText())
            default:
                return .init(status: 404, body: "not found\n")
            }
        }
        defer { health.stop() }

        let signals = SignalWatcher([SIGTERM, SIGINT])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            group.addTask { await reporting.elector.run() }
            group.addTask { await reporting.reporting.run() }
            group.addTask {
                try await watcher.waitUntilSynced()
                logger.info("cluster listed; rendering the first config")
                try await withThrowingTaskGroup(of: Void.self) { inner in
                    inner.addTask { try await controller.run() }
                    // Watches once the controller's first start (through the supervisor) serves.
                    inner.addTask { try await supervisor.run(gracefulStopTimeout: TimeInterval(shutdownGrace)) }
                    try await inner.next()
                    inner.cancelAll()
                }
            }
            group.addTask {
                // No signal: the group is being cancelled because something else ended it.
                guard let signal = await signals.next() else { return }
                logger.notice("signal received; stopping reconciles and letting nginx finish in-flight requests",
                              metadata: ["signal": "\(signal)"])
                throw CancellationError()
            }
            do {
                try await group.next()
                group.cancelAll()
            } catch {
                group.cancelAll()
                while (try? await group.next()) != nil {}
                // A successor takes over at once instead of waiting for the Lease to expire.
                await reporting.elector.release()
                // Make sure nginx is gone before we exit, whatever ended the group.
                process.stop(grace: TimeInterval(shutdownGrace))
                throw error
            }
        }
        await reporting.elector.release()
        process.stop(grace: TimeInterval(shutdownGrace))
    }
}

/// Delivers SIGTERM/SIGINT as an async value instead of killing the process.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
    }

    /// The next signal; nil when the waiting task is cancelled first.
    func next() async -> Int32? {
        for await sig in stream { return sig }
        return nil
    }
}

extension NginxApplier.Validation: ExpressibleByArgument {}

extension RunCommand {
    /// A GatewayClass controllerName as the API validates it: `DOMAIN/PATH`, at most 253 characters.
    static func isControllerName(_ text: String) -> Bool {
        guard text.utf8.count <= 253, let slash = text.firstIndex(of: "/") else { return false }
        let path = text[text.index(after: slash)...]
        return PorticoRouting.Validation.isSubdomain(String(text[..<slash])) && !path.isEmpty
            && path.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "\"" }
    }
}

import ArgumentParser
import Foundation
import PorticoModel
import PorticoRouting

/// Runs `portico check` with `arguments` (the words after `check`) without touching the process's
/// stdout, stderr or exit: the executable and the tests both call this. The report is the
/// outcome's `config` (what goes to stdout).
public func checkCommand(arguments: [String], standardInput: Data? = nil) -> RenderOutcome {
    let command: CheckCommand
    do {
        command = try CheckCommand.parse(arguments)
    } catch {
        return RenderOutcome(config: "", diagnostics: [CheckCommand.fullMessage(for: error)], exitCode: 2)
    }
    return command.execute(standardInput: { try standardInput ?? ManifestFiles.readAll(0, name: "<stdin>") })
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Before moving from ingress-nginx: what Portico would do differently with these Ingresses.",
        discussion: """
            Reads the same input as `portico render` (files, standard input or --from-cluster) and, for \
            every Ingress Portico would serve with the same flags, says of each annotation an ingress \
            controller reads and of each path ingress-nginx treated its own way whether it is \
            honoured, honoured-differently (how), unsupported (what happens instead) or refused (why). \
            Exit status: 0 when everything Portico serves is honoured, 1 otherwise (or when no \
            Ingress is Portico's), 2 when the input or flags cannot be read. Annotation values are \
            not printed. HTTPRoutes of Portico's Gateways are reported too: accepted, partly-served \
            (a parent, backend or host not served) or not-accepted, with the conditions their status gets.

            Example, against a cluster that runs ingress-nginx:
              portico check --from-cluster --controller-class k8s.io/ingress-nginx
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var input: ManifestInput

    @OptionGroup var render: RenderFlags

    @Option(help: "text (one line per finding) or json.")
    var output: Output = .text

    func run() throws {
        try execute(standardInput: { try ManifestFiles.readAll(0, name: "<stdin>") }).emit()
    }

    func execute(standardInput: () throws -> Data) -> RenderOutcome {
        func failure(_ message: String) -> RenderOutcome {
            RenderOutcome(config: "", diagnostics: ["error: \(message)"], exitCode: 2)
        }
        if let problem = input.problem() { return failure(problem) }
        let reports: [MigrationCheck.IngressReport]
        let configMap: MigrationCheck.ConfigMapReport?
        let routes: [RouteReport]
        var warnings: [String]
        do {
            let settings = try render.settings()
            let (state, read) = try input.read(standardInput: standardInput)
            reports = MigrationCheck.check(state, options: settings.routing)
            configMap = MigrationCheck.configMap(state, options: settings.routing)
            warnings = read
            let table = Router(options: settings.routing).route(state)
            if settings.routing.expose != nil { warnings += Self.exposed(table) }
            routes = Self.routes(state, table: table, controllerName: settings.routing.gatewayControllerName)
        } catch {
            return failure("\(error)")
        }
        let served = reports.filter(\.served)
        var counts: [MigrationCheck.Status: Int] = [:]
        for report in served { counts[report.status, default: 0] += 1 }
        let elsewhere = reports.count - served.count
        let text: String
        switch output {
        case .text: text = Self.text(reports, counts: counts, elsewhere: elsewhere, configMap: configMap) + Self.text(routes)
        case .json: text = Self.json(reports, counts: counts, elsewhere: elsewhere, configMap: configMap, routes: routes)
        }
        var lines = warnings
        if served.isEmpty && routes.isEmpty {
            lines.append(
                "warning: no Ingress is Portico's with these flags (to check ingress-nginx's, add --controller-class k8s.io/ingress-nginx)")
        }
        if let configMap, !configMap.found {
            lines.append("warning: configmap \(configMap.namespace)/\(configMap.name): not in the input; the built-in defaults apply")
        }
        let allHonoured =
            !(served.isEmpty && routes.isEmpty) && served.allSatisfy { $0.status == .honoured } && (configMap?.status ?? .honoured) == .honoured
            && routes.allSatisfy { $0.status == RouteReport.accepted }
        return RenderOutcome(config: text, diagnostics: lines, exitCode: allHonoured ? 0 : 1)
    }

    /// An HTTPRoute with a parent of Portico's: whether it is served as written, and each parent's
    /// conditions as the route's status says them.
    struct RouteReport: Encodable {
        static let accepted = "accepted", partlyServed = "partly-served", notAccepted = "not-accepted"
        var namespace: String
        var name: String
        /// `accepted` (every parent, every backend, every host), `partly-served` or `not-accepted`.
        var status: String
        var findings: [String]
    }

    static func routes(_ state: ClusterState, table: RoutingTable, controllerName: String) -> [RouteReport] {
        guard !state.httpRoutes.isEmpty else { return [] }
        let attachment = GatewayAttachment(state, controllerName: controllerName)
        return attachment.routes.map { route in
            var findings: [String] = []
            for parent in route.parents {
                findings.append("\(parent.gateway): \(parent.accepted)")
                if !parent.resolvedRefs.status { findings.append("\(parent.gateway): \(parent.resolvedRefs)") }
            }
            let conflicts = table.diagnostics.filter { $0.object == route.route && $0.code == .conflict }
            findings += conflicts.map { "\($0.field): \($0.message)" }
            let accepted = route.parents.filter(\.accepted.status)
            let status =
                accepted.isEmpty
                ? RouteReport.notAccepted
                : accepted.count == route.parents.count && route.backendProblems.isEmpty && conflicts.isEmpty
                    ? RouteReport.accepted : RouteReport.partlyServed
            return RouteReport(namespace: route.route.namespace, name: route.route.name, status: status, findings: findings)
        }
    }

    static func text(_ routes: [RouteReport]) -> String {
        guard !routes.isEmpty else { return "" }
        var out = ""
        for route in routes {
            out += "\(ObjectReference(kind: "HTTPRoute", namespace: route.namespace, name: route.name)): \(route.status)\n"
            for finding in route.findings { out += "  \(finding)\n" }
        }
        let counts = [RouteReport.accepted, RouteReport.partlyServed, RouteReport.notAccepted].map { status in
            "\(routes.filter { $0.status == status }.count) \(status)"
        }
        out += "summary: \(routes.count == 1 ? "1 HTTPRoute" : "\(routes.count) HTTPRoutes"): " + counts.joined(separator: ", ") + "\n"
        return out
    }

    /// `--expose-services`: the hosts of the Services it exposes (Portico's own, not ingress-nginx's).
    static func exposed(_ table: RoutingTable) -> [String] {
        let hosts = table.exposedHosts
        guard !hosts.isEmpty else { return [] }
        return [
            "info: \(hosts.count == 1 ? "1 host" : "\(hosts.count) hosts") of Services exposed by label (--expose-services, "
                + "which ingress-nginx does not have): " + hosts.map { "\($0.host) (\($0.service))" }.joined(separator: ", ")
        ]
    }

    static func summary(_ counts: [MigrationCheck.Status: Int], served: Int, elsewhere: Int) -> String {
        func n(_ count: Int, _ what: String) -> String { "\(count) \(what)" }
        var parts = MigrationCheck.Status.allCases.map { n(counts[$0] ?? 0, $0.rawValue) }
        parts.append(n(elsewhere, "not Portico's"))
        return "\(served == 1 ? "1 Ingress" : "\(served) Ingresses") served: " + parts.joined(separator: ", ")
    }

    static func text(
        _ reports: [MigrationCheck.IngressReport], counts: [MigrationCheck.Status: Int], elsewhere: Int,
        configMap: MigrationCheck.ConfigMapReport? = nil
    ) -> String {
        var out = ""
        for report in reports {
            let ref = ObjectReference(kind: "Ingress", namespace: report.namespace, name: report.name)
            guard report.served else {
                out += "\(ref): not Portico's: \(report.elsewhere ?? "")\n"
                continue
            }
            out += "\(ref): \(report.status.rawValue)\n"
            for finding in report.findings {
                out += "  \(MessageText.quoted(finding.subject)): \(finding.status.rawValue)"
                out += finding.detail.isEmpty ? "\n" : ": \(finding.detail)\n"
            }
        }
        if let configMap, configMap.found {
            out += "\(ObjectReference(kind: "ConfigMap", namespace: configMap.namespace, name: configMap.name)): \(configMap.status.rawValue)\n"
            for finding in configMap.findings {
                out += "  \(finding.subject): \(finding.status.rawValue)" + (finding.detail.isEmpty ? "\n" : ": \(finding.detail)\n")
            }
        }
        out += "summary: " + summary(counts, served: reports.count - elsewhere, elsewhere: elsewhere) + "\n"
        return out
    }

    struct JSONReport: Encodable {
        struct Ingress: Encodable {
            var namespace: String
            var name: String
            var status: String
            var notPortico: String?
            var findings: [MigrationCheck.Finding]
        }
        var ingresses: [Ingress]
        var configMap: MigrationCheck.ConfigMapReport?
        var summary: [String: Int]
        /// Only with HTTPRoutes of Portico's Gateways.
        var httpRoutes: [RouteReport]?
    }

    static func json(
        _ reports: [MigrationCheck.IngressReport], counts: [MigrationCheck.Status: Int], elsewhere: Int,
        configMap: MigrationCheck.ConfigMapReport? = nil, routes: [RouteReport] = []
    ) -> String {
        var summary = Dictionary(uniqueKeysWithValues: MigrationCheck.Status.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        summary["not-portico"] = elsewhere
        let report = JSONReport(
            ingresses: reports.map {
                JSONReport.Ingress(
                    namespace: $0.namespace, name: $0.name, status: $0.served ? $0.status.rawValue : "not-portico",
                    notPortico: $0.elsewhere, findings: $0.findings)
            },
            configMap: configMap, summary: summary, httpRoutes: routes.isEmpty ? nil : routes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

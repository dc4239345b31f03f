import ArgumentParser
import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting

/// Runs `portico explain` with `arguments` (the words after `explain`) without touching the
/// process's stdout, stderr or exit: the executable and the tests both call this.
public func explainCommand(arguments: [String], standardInput: Data? = nil) -> RenderOutcome {
    let command: ExplainCommand
    do {
        command = try ExplainCommand.parse(arguments)
    } catch {
        return RenderOutcome(config: "", diagnostics: [ExplainCommand.fullMessage(for: error)], exitCode: 2)
    }
    return command.execute(standardInput: { try standardInput ?? ManifestFiles.readAll(0, name: "<stdin>") })
}

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say which rule serves a request, its backend and settings, and the lines of nginx.conf that do it.",
        discussion: """
            Reads the same input as `portico render` and renders the same nginx.conf (the same flags \
            shape it), then answers for one request: the virtual host its Host header picks, the \
            Ingress rule that serves its path and why (Exact, the longest Prefix, or the default \
            backend), the backend, the rule's settings, and the lines of nginx.conf that route it, \
            worked out from the text as nginx reads it. If the two ever disagree it says so and \
            exits 1.

            Example:
              portico explain shop.example.com /api/v2/orders -f examples/features
            """)

    @Argument(help: "The request's host, as its Host header names it (a port is ignored).")
    var host: String

    @Argument(help: "The request's path (a query is ignored), as nginx sees it: decoded.")
    var path: String

    @OptionGroup var input: ManifestInput

    @OptionGroup var render: RenderFlags

    func run() throws {
        try execute(standardInput: { try ManifestFiles.readAll(0, name: "<stdin>") }).emit()
    }

    func execute(standardInput: () throws -> Data) -> RenderOutcome {
        func failure(_ message: String, _ code: Int32 = 2) -> RenderOutcome {
            RenderOutcome(config: "", diagnostics: ["error: \(message)"], exitCode: code)
        }
        if let problem = input.problem() { return failure(problem) }
        guard path.hasPrefix("/") else { return failure("the path must start with /: \"\(MessageText.quoted(path))\"") }
        let rendered: RenderedInput
        do {
            rendered = try input.render(with: render, standardInput: standardInput)
        } catch {
            return failure("\(error)")
        }
        let config = rendered.config
        let e = rendered.table.explain(host: host, path: path)
        var out = "\(host)\(path)\n"
        out += "  host:     \(e.virtualHost?.name ?? "_") (\(e.hostMatch))\n"
        out += "  rule:     " + (e.rule.map { "\($0.source) \($0.field): \($0.match == .regex ? "~* ^" : $0.match.name + " ")\($0.path)" } ?? "none") + "\n"
        out += "  why:      \(e.reason)\n"
        var rulesSay: String
        switch e.backend {
        case .upstream(let u):
            rulesSay = u.address
            if let canary = e.rule?.canary {
                switch canary.rules.fixedOutcome {
                case true?: rulesSay = canary.upstream.address
                case false?: break
                case nil: rulesSay += ", canary " + canary.upstream.address
                }
            }
        case .unavailable(let status): rulesSay = "\(status)"
        case .redirect(let status, let url): rulesSay = "\(status) to \(url)"
        }
        out += "  backend:  \(rulesSay)\(rulesSay == "503" ? ": the rule's Service or port does not exist" : "")\n"
        if let canary = e.rule?.canary, case .upstream = e.backend {
            out += "  canary:   \(canary.upstream.address) for \(canary.rules) (\(canary.source) \(canary.field))\n"
        }
        out += "  settings: \(Self.describe(e.options))\n"
        let host = self.host.lowercased().split(separator: ":").first.map(String.init) ?? ""
        guard let trace = ConfigTrace.trace(config, host: host, path: path) else {
            out += "nginx.conf: not in Portico's shape (a custom --template?); no lines to show\n"
            return RenderOutcome(config: out, diagnostics: [], exitCode: 0)
        }
        let lines = config.split(separator: "\n", omittingEmptySubsequences: false)
        out += "nginx.conf:\n"
        for n in trace.lines where n >= 1 && n <= lines.count { out += String(format: "  %5d  ", n) + lines[n - 1] + "\n" }
        let nginxSays = (trace.upstream.map { $0 + (trace.canaryUpstream.map { ", canary " + $0 } ?? "") })
            ?? "\(trace.status ?? 0)" + (trace.redirectURL.map { " to \($0)" } ?? "")
        guard nginxSays == rulesSay else {
            return RenderOutcome(
                config: out, diagnostics: ["error: nginx.conf sends this request to \(nginxSays), the rules to \(rulesSay); please report it"],
                exitCode: 1)
        }
        return RenderOutcome(config: out, diagnostics: [], exitCode: 0)
    }

    static func describe(_ o: ProxyOptions) -> String {
        var parts: [String] = []
        if let v = o.connectTimeoutSeconds { parts.append("proxy-connect-timeout \(v)s") }
        if let v = o.readTimeoutSeconds { parts.append("proxy-read-timeout \(v)s") }
        if let v = o.sendTimeoutSeconds { parts.append("proxy-send-timeout \(v)s") }
        if let v = o.maxBodySize { parts.append("proxy-body-size \(v)") }
        if let access = o.access {
            if !access.deny.isEmpty { parts.append("denied: " + access.deny.map(\.text).joined(separator: ",")) }
            if let allow = access.allow { parts.append("only from: " + (allow.isEmpty ? "nobody (a range did not parse)" : allow.map(\.text).joined(separator: ","))) }
        }
        // Where the users and the auth service are: the file's path, never its content.
        if let basic = o.auth?.basic { parts.append("basic authentication, realm \"\(basic.realm)\", users in \(basic.file)") }
        if let external = o.auth?.external {
            parts.append("auth-url \(external.url)" + (external.signin.map { ", auth-signin \($0)" } ?? ""))
        }
        if let u = o.upstream {
            func onOff(_ b: Bool) -> String { b ? "on" : "off" }
            if let v = u.buffering { parts.append("proxy-buffering \(onOff(v))") }
            if let v = u.buffers { parts.append("proxy-buffer-size \(v.size); proxy-buffers-number \(v.count)") }
            if let v = u.requestBuffering { parts.append("proxy-request-buffering \(onOff(v))") }
            if let v = u.httpVersion { parts.append("proxy-http-version \(v)") }
            if let v = u.nextUpstream { parts.append("proxy-next-upstream \(v.joined(separator: " "))") }
            if let v = u.nextUpstreamTries { parts.append("proxy-next-upstream-tries \(v)") }
            if let v = u.nextUpstreamTimeoutSeconds { parts.append("proxy-next-upstream-timeout \(v)s") }
            if let v = u.host { parts.append("upstream-vhost \(v)") }
            if let v = u.forwardedPrefix { parts.append("x-forwarded-prefix \(v)") }
            if u.accessLogOff { parts.append("access log off") }
            if let v = u.backendProtocol { parts.append("backend-protocol \(v.rawValue.uppercased())") }
        }
        return parts.isEmpty ? "nginx.conf's defaults" : parts.joined(separator: "; ")
    }
}

import ArgumentParser
import Foundation
import PorticoKube
import PorticoModel
import PorticoNginx
import PorticoRender
import PorticoRouting

/// What `portico render` produced: the config for stdout, lines for stderr, the exit status.
public struct RenderOutcome: Sendable {
    public var config: String
    public var diagnostics: [String]
    public var exitCode: Int32
}

extension RenderOutcome {
    /// Writes the output to stdout and the diagnostics to stderr, and exits with the status.
    func emit() throws {
        FileHandle.standardOutput.write(Data(config.utf8))
        for line in diagnostics {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// Runs `portico render` with `arguments` (the flags after `render`) without touching the process's
/// stdout, stderr or exit: the executable and the tests both call this.
public func renderCommand(arguments: [String], standardInput: Data? = nil) -> RenderOutcome {
    let command: RenderCommand
    do {
        command = try RenderCommand.parse(arguments)
    } catch {
        return RenderOutcome(
            config: "", diagnostics: [RenderCommand.fullMessage(for: error)], exitCode: 2)
    }
    return command.execute(standardInput: { try standardInput ?? ManifestFiles.readAll(0, name: "<stdin>") })
}

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the nginx.conf that Portico would serve for a set of manifests.",
        discussion: """
            Reads Ingresses, Services and IngressClasses from files, directories (recursively: \
            *.yaml, *.yml, *.json) or standard input (-f -): multi-document YAML, `kind: List` and \
            JSON, as `kubectl get ing,svc -A -o yaml` prints them. Writes nginx.conf to stdout and one \
            line per object (or part of one) that was left out or answers 503 to stderr.

            Ends with a summary line: how many Ingresses are served, how many were left to other \
            controllers' classes (and how to serve them), how many were left out.

            Exit status: 0 when a config was rendered (even with objects left out); 1 with --strict \
            when there was any warning (an object left out or degraded, an input with no objects); 2 \
            when input, flags or the template could not be read.

            The output passes `nginx -t -p DIR/ -c DIR/nginx.conf` when saved as DIR/nginx.conf, and \
            serves with `nginx -p DIR/ -c DIR/nginx.conf`: pid, logs and temporary files live in DIR.

            Example:
              portico render -f examples/echomap --http-port 8080 > /tmp/p/nginx.conf
            """)

    @OptionGroup var input: ManifestInput

    @OptionGroup var render: RenderFlags

    var namespace: String? { input.namespace }

    @Flag(help: "Exit 1 if there was any warning: an object left out, degraded or answering 503, or an input with no objects.")
    var strict = false

    @Option(help: ArgumentHelp(
        "Write DIR/nginx.conf and (unless --no-https) every certificate file it names (mode 0600), a default "
            + "certificate and a session ticket key, instead of printing the config: `nginx -p DIR/ -c DIR/nginx.conf` "
            + "then serves the manifests.",
        valueName: "dir"))
    var outputDir: String?

    func run() throws {
        try execute(standardInput: { try ManifestFiles.readAll(0, name: "<stdin>") }).emit()
    }

    func execute(standardInput: () throws -> Data) -> RenderOutcome {
        func failure(_ message: String) -> RenderOutcome {
            RenderOutcome(config: "", diagnostics: ["error: \(message)"], exitCode: 2)
        }
        if let problem = input.problem() {
            return RenderOutcome(
                config: "", diagnostics: ["Error: \(problem)", "Usage: portico render <options>", "  See 'portico render --help' for more information."],
                exitCode: 2)
        }
        let rendered: RenderedInput
        do {
            rendered = try input.render(with: render, standardInput: standardInput)
        } catch {
            return failure("\(error)")
        }
        let table = rendered.table
        var lines = rendered.warnings
        let warned = !lines.isEmpty || table.diagnostics.contains { $0.severity == .warning }
        lines += table.diagnostics.map(\.description)
        var config = rendered.config
        if let outputDir {
            do {
                lines.append(try write(rendered, to: outputDir))
            } catch {
                return failure("--output-dir: \(error)")
            }
            config = ""
        } else if render.httpsPort != nil {
            lines.append("info: certificate files were not written (the config names them); --output-dir DIR writes them")
        }
        if outputDir == nil, !table.authFiles.isEmpty {
            lines.append(
                "info: \(table.authFiles.count) \(Self.authFilesNoun(table.authFiles)) were not written (the config names them); "
                    + "--output-dir DIR writes them")
        }
        // The summary comes last.
        var controllers: [String: String] = [:]
        for c in rendered.state.ingressClasses { if let controller = c.spec.controller { controllers[c.metadata.name] = controller } }
        lines.append(
            table.summary(ingresses: Set(rendered.state.ingresses.map(ObjectReference.init)).count, controllers: controllers))
        return RenderOutcome(config: config, diagnostics: lines, exitCode: strict && warned ? 1 : 0)
    }

    /// What the files next to nginx.conf are: htpasswd files, authorities (of client
    /// certificates, of backends), and the client certificates nginx presents to backends.
    static func authFilesNoun(_ files: [AuthFile], short: Bool = false) -> String {
        if files.allSatisfy({ $0.path.hasSuffix(".htpasswd") }) { return short ? "htpasswd files" : "htpasswd files (basic authentication)" }
        return short ? "authentication files" : "authentication files (htpasswd files, authorities, client certificates for backends)"
    }

    /// DIR/nginx.conf and the TLS and htpasswd files it names; what was written, for stderr.
    func write(_ rendered: RenderedInput, to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ConfigFile.writeAtomically(rendered.config, to: "\(directory)/nginx.conf")
        let files = TLSFiles(prefix: directory, workerUser: rendered.options.workerUser)
        for file in rendered.table.authFiles { try files.write(file.path, Array(file.content.utf8)) }
        let auth =
            rendered.table.authFiles.isEmpty
            ? "" : ", \(rendered.table.authFiles.count) \(Self.authFilesNoun(rendered.table.authFiles, short: true)) under \(directory)/auth"
        guard render.httpsPort != nil else { return "info: wrote \(directory)/nginx.conf" + auth }
        for certificate in rendered.table.certificates {
            try files.write(certificate.path, Array(certificate.pem.utf8))
        }
        _ = try files.writeDefaults(for: rendered.options)
        return "info: wrote \(directory)/nginx.conf, \(rendered.table.certificates.count) certificate files, "
            + "a self-signed default certificate and a session ticket key under \(directory)/tls" + auth
    }
}

/// What `render` and `explain` both make of their input: the objects, warnings about the files
/// they came from, the routing table and nginx.conf.
struct RenderedInput {
    var state: ClusterState
    var warnings: [String]
    var table: RoutingTable
    var config: String
    /// What the config was rendered with (the files it names).
    var options: RenderOptions
}

/// Where the objects come from: files, standard input or a live cluster. Shared by the commands
/// that read manifests (`render`, `explain`).
struct ManifestInput: ParsableArguments {
    @Option(name: [.short, .customLong("filename")], help: ArgumentHelp(
        "A manifest file, a directory of them, or - for standard input. Repeatable.", valueName: "path"))
    var files: [String] = []

    @Flag(help: "Read one consistent snapshot of a live cluster instead of files (see --kubeconfig, --context).")
    var fromCluster = false

    @OptionGroup var cluster: ClusterFlags

    @Option(
        name: [.customLong("namespace"), .customLong("watch-namespace")],
        help: ArgumentHelp("With --from-cluster: read Ingresses and Services of this namespace only.", valueName: "namespace"))
    var namespace: String?

    /// Checked after parsing, so that an unknown option is named before "no input" is said.
    func problem() -> String? {
        if files.isEmpty && !fromCluster {
            return "no input: give -f PATH (a file, a directory, or - for standard input) or --from-cluster"
        }
        if !files.isEmpty && fromCluster { return "give either -f or --from-cluster, not both" }
        return nil
    }

    /// Reads the objects, routes them and renders nginx.conf as `flags` say.
    func render(with flags: RenderFlags, standardInput: () throws -> Data) throws -> RenderedInput {
        let settings = try flags.settings()
        let (state, warnings) = try read(standardInput: standardInput, secrets: flags.httpsPort != nil ? .always : .forAuthentication)
        let table = Router(options: settings.routing).route(state)
        let config = try settings.renderer.render(table, options: settings.render)
        return RenderedInput(state: state, warnings: warnings, table: table, config: config, options: settings.render)
    }

    /// The objects, and warnings about the files they came from.
    func read(standardInput: () throws -> Data, secrets: SecretsToRead = .never) throws -> (ClusterState, [String]) {
        if fromCluster { return (try readCluster(secrets: secrets), []) }
        let contents = try ManifestFiles.read(files, standardInput: standardInput)
        return (ClusterState(contents.objects), contents.warnings)
    }
}

extension ManifestInput {
    /// One consistent list of each kind. `render` is synchronous (the executable and tests call it
    /// from plain code), so it waits here for the async client on a semaphore.
    func readCluster(secrets: SecretsToRead = .never) throws -> ClusterState {
        let configuration = try cluster.configuration()
        let result = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        let namespace = self.namespace
        Task.detached {
            do {
                result.value = .success(
                    try await loadClusterSnapshot(configuration: configuration, namespace: namespace) { ingresses in
                        switch secrets {
                        case .never: false
                        case .always: true
                        case .forAuthentication: ingresses.contains(where: Router.readsSecrets)
                        }
                    })
            } catch {
                result.value = .failure(error)
            }
            semaphore.signal()
        }
        semaphore.wait()
        return try result.value?.get() ?? ClusterState()
    }

    /// Which Secrets a snapshot of the cluster lists.
    enum SecretsToRead: Sendable {
        case never
        /// spec.tls's certificates (with HTTPS), and basic authentication's users.
        case always
        /// Only when an Ingress's basic authentication names one.
        case forAuthentication
    }

    final class ResultBox: @unchecked Sendable {
        var value: Result<ClusterState, any Error>?
    }
}

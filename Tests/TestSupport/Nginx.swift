import Foundation
import PorticoNginx

#if canImport(Glibc)
    import Glibc
#endif

/// The system's nginx serving one config from a private prefix directory: `DIR/nginx.conf`, with
/// `-p DIR/ -e DIR/error.log`, in the foreground, so it never touches /etc/nginx, /var/log/nginx or
/// /run/nginx.pid. `daemon off` and a `pid` under DIR are added with `-g` only when the config does
/// not set them itself (nginx rejects a directive given twice).
public final class Nginx: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let executable: String
    public private(set) var config: String
    public private(set) var process: ChildProcess?

    public var prefix: String { directory.path + "/" }
    public var configFile: URL { directory.file("nginx.conf") }
    public var errorLogFile: URL { directory.file("error.log") }
    /// nginx's error log (`-e`, and the config's `error_log` if it points at the same file).
    public var errorLog: String { (try? String(contentsOf: errorLogFile, encoding: .utf8)) ?? "" }

    /// Writes `config` to DIR/nginx.conf; does not test or start it.
    public init(config: String, executable: String = "nginx") throws {
        directory = try TemporaryDirectory("portico-nginx")
        self.executable = try ChildProcess.resolve(executable)
        self.config = config
        try write(config)
    }

    /// What `portico render --output-dir DIR` wrote: DIR/nginx.conf and the certificate files under
    /// DIR/tls, copied into a prefix of its own.
    public convenience init(renderedIn output: URL, executable: String = "nginx") throws {
        try self.init(
            config: String(contentsOf: output.appendingPathComponent("nginx.conf"), encoding: .utf8), executable: executable)
        try addFiles(renderedIn: output)
    }

    /// Replaces the config before nginx starts (e.g. with fewer workers).
    public func install(config newConfig: String) throws {
        precondition(process == nil, "nginx already started: use reload(with:)")
        config = newConfig
        try write(newConfig)
    }

    /// Copies the certificate and htpasswd files a later `render --output-dir` wrote (before a reload
    /// that names them).
    public func addFiles(renderedIn output: URL) throws {
        for name in ["tls", "auth"] where FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path) {
            try addFiles(output.appendingPathComponent(name), to: directory.file(name))
        }
    }

    private func addFiles(_ source: URL, to target: URL) throws {
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            let from = source.appendingPathComponent(name)
            let destination = target.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: from, to: destination)
            // Owner and mode as written (0600, nginx's worker user): a copy would be root's.
            let attributes = try FileManager.default.attributesOfItem(atPath: from.path)
            try FileManager.default.setAttributes(
                attributes.filter { [.ownerAccountID, .groupOwnerAccountID, .posixPermissions].contains($0.key) },
                ofItemAtPath: destination.path)
        }
    }

    /// Tests `config`, starts nginx and returns once every port in `ports` accepts connections on
    /// `address`.
    public static func start(
        config: String, waitingFor ports: [Int], address: String = "127.0.0.1", timeout: TimeInterval = 15
    ) throws -> Nginx {
        let nginx = try Nginx(config: config)
        try nginx.test()
        try nginx.start(waitingFor: ports, address: address, timeout: timeout)
        return nginx
    }

    deinit { stop() }

    /// `nginx -t` on the current config: its output on success; throws with nginx's message otherwise.
    @discardableResult
    public func test() throws -> String {
        let result = try runCommand(executable, arguments(["-t"]), timeout: 30)
        let output = result.stderr + result.stdout
        guard result.status == 0 else {
            throw NginxTestError(kind: .configTest, output: output, config: config)
        }
        return output
    }

    /// Starts the master process in the foreground and waits for `ports`.
    public func start(waitingFor ports: [Int], address: String = "127.0.0.1", timeout: TimeInterval = 15) throws {
        precondition(process == nil, "nginx already started")
        let child = try ChildProcess(executable, arguments([]), name: "nginx", logDirectory: directory.url)
        process = child
        do {
            for port in ports {
                try Ports.waitUntilListening(port, host: address, timeout: timeout, process: child)
            }
        } catch {
            stop()
            throw NginxTestError(kind: .start, output: "\(error)\n\(errorLog)", config: config)
        }
    }

    /// Replaces the config, tests it (putting the old one back and throwing if it fails), signals the
    /// master to reload and waits until the new workers have replaced the old ones.
    public func reload(with newConfig: String, timeout: TimeInterval = 15) throws {
        guard let process, process.isRunning else {
            throw NginxTestError(kind: .reload, output: "nginx is not running\n\(errorLog)", config: newConfig)
        }
        let old = config
        config = newConfig
        try write(newConfig)
        do {
            try test()
        } catch {
            config = old
            try write(old)
            throw error
        }
        let before = workers()
        process.signal(SIGHUP)
        do {
            try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(20), "new workers take over") {
                guard process.isRunning else { throw TestSupportError("nginx exited while reloading") }
                let now = workers()
                return !now.isEmpty && now.isDisjoint(with: before)
            }
        } catch {
            throw NginxTestError(kind: .reload, output: "\(error)\n\(errorLog)", config: newConfig)
        }
    }

    /// Fast shutdown (SIGTERM), then SIGKILL after a grace period; waits for the master to exit.
    public func stop() {
        process?.stop(grace: 5)
    }

    /// The pids of the master's worker processes.
    public func workers() -> Set<Int32> {
        guard let master = process?.pid else { return [] }
        return ProcessTable.children(of: master)
    }

    func arguments(_ extra: [String]) -> [String] {
        var arguments = extra + ["-p", prefix, "-c", configFile.path, "-e", errorLogFile.path]
        var globals: [String] = []
        if !Self.hasMainDirective("daemon", in: config) { globals.append("daemon off;") }
        if !Self.hasMainDirective("pid", in: config) { globals.append("pid \(directory.file("nginx.pid").path);") }
        if !globals.isEmpty { arguments += ["-g", globals.joined(separator: " ")] }
        return arguments
    }

    /// True when a line of `config` starts with the directive `name` (good enough for the
    /// main-context directives `daemon` and `pid`, which nowhere else appear at a line's start).
    static func hasMainDirective(_ name: String, in config: String) -> Bool {
        config.split(whereSeparator: \.isNewline).contains { line in
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard trimmed.hasPrefix(name) else { return false }
            let next = trimmed.dropFirst(name.count).first
            return next == " " || next == "\t" || next == ";"
        }
    }

    private func write(_ text: String) throws {
        if Self.hasMainDirective("daemon", in: text), text.range(of: #"(?m)^\s*daemon\s+on\s*;"#, options: .regularExpression) != nil {
            throw TestSupportError("the config says `daemon on;`: tests need nginx in the foreground")
        }
        let temporary = directory.file("nginx.conf.new")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, configFile.path) == 0 else {
            throw TestSupportError("cannot rename \(temporary.path) to \(configFile.path): errno \(errno)")
        }
    }
}

/// nginx refused a config or failed to start or reload; `output` is what nginx said.
public struct NginxTestError: Error, CustomStringConvertible {
    public enum Kind: String, Sendable { case configTest = "nginx -t failed", start = "nginx did not start", reload = "nginx did not reload" }
    public var kind: Kind
    public var output: String
    public var config: String

    public var description: String {
        let numbered = config.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { String(format: "%4d  ", $0.offset + 1) + $0.element }.joined(separator: "\n")
        return "\(kind.rawValue):\n\(output)\n--- config ---\n\(numbered)"
    }
}

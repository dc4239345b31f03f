import Foundation

/// A process started by a test, killed when the test drops it. Output goes to files in `logDirectory`
/// so a failing test can show what the process said.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    public let name: String
    public let stdoutURL: URL
    public let stderrURL: URL

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`.
    public init(
        _ executable: String, _ arguments: [String], name: String? = nil, logDirectory: URL,
        environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) throws {
        self.name = name ?? URL(fileURLWithPath: executable).lastPathComponent
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.resolve(executable))
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        stdoutURL = logDirectory.appendingPathComponent("\(self.name).\(UUID().uuidString.prefix(6)).out")
        stderrURL = stdoutURL.deletingPathExtension().appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        p.standardError = try FileHandle(forWritingTo: stderrURL)
        p.standardInput = FileHandle.nullDevice
        try Self.launch(p)
        process = p
    }

    deinit { stop() }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    public func signal(_ sig: Int32) { if process.isRunning { kill(process.processIdentifier, sig) } }

    /// SIGTERM, then SIGKILL after `grace` seconds; waits for the exit.
    public func stop(grace: TimeInterval = 3) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if wait(timeout: grace) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits up to `timeout` seconds for the process to exit; its status, or nil if still running.
    public func wait(timeout: TimeInterval) -> Int32? {
        try? eventuallyBlocking(timeout: .seconds(timeout), "\(name) exits") { !process.isRunning }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Runs `process` with no signals blocked. A child inherits the spawning thread's signal mask,
    /// and test code runs on libdispatch worker threads, which block SIGHUP, SIGTERM and most
    /// others: children would ignore `stop()` until SIGKILL, and SIGHUP-driven reloads never happen.
    static func launch(_ process: Process) throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    public static func resolve(_ executable: String) throws -> String {
        if executable.contains("/") { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let candidate = "\(dir)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError("\(executable) not found on PATH; run .ci/run (or `make test`) to install it")
    }
}

/// The result of a command run to completion.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a command to completion with optional standard input; output is captured in memory.
@discardableResult
public func runCommand(
    _ executable: String, _ arguments: [String], input: Data? = nil,
    environment: [String: String]? = nil, timeout: TimeInterval = 60
) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try ChildProcess.resolve(executable))
    p.arguments = arguments
    if let environment { p.environment = environment }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    let inPipe = Pipe()
    p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
    try ChildProcess.launch(p)
    if let input {
        inPipe.fileHandleForWriting.write(input)
        try? inPipe.fileHandleForWriting.close()
    }
    try? eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(5), "\(executable) exits") { !p.isRunning }
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) timed out after \(timeout)s")
    }
    return CommandResult(
        status: p.terminationStatus,
        stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

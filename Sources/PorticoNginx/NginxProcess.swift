import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One nginx, run in the foreground as a child of this process, with its prefix, config, pid file,
/// logs and temporary files in `runtimeDirectory`.
public final class NginxProcess: @unchecked Sendable {
    public let executable: String
    public let runtimeDirectory: String
    private let lock = NSLock()
    private var process: SpawnedProcess?

    public init(executable: String = "/usr/sbin/nginx", runtimeDirectory: String) {
        self.executable = executable
        self.runtimeDirectory = runtimeDirectory.hasSuffix("/") ? String(runtimeDirectory.dropLast()) : runtimeDirectory
    }

    public var configPath: String { "\(runtimeDirectory)/nginx.conf" }
    public var candidatePath: String { "\(runtimeDirectory)/nginx.conf.candidate" }

    /// Checks a config file with `nginx -t` (default: the candidate). nginx's complaint is in the error.
    public func validate(path: String? = nil) throws(NginxError) {
        let result = try run(["-t", "-q", "-p", "\(runtimeDirectory)/", "-e", "\(runtimeDirectory)/error.log",
                              "-c", path ?? candidatePath])
        guard result.status == 0 else {
            throw NginxError(.invalidConfig, "nginx -t refused the config", nginxOutput: result.output)
        }
    }

    /// glibc keeps the memory of a freed config for reuse instead of handing it back, and nginx
    /// builds each new config before it frees the old one, so after a few reloads its master holds
    /// two configs' worth. Allocations of nginx's 16 KB pool blocks and larger are given their own
    /// mappings, which go back to the system when the old config is freed: at 10,000 Ingresses the
    /// master stays at about 210 MB instead of growing to 330 (Benchmarks/nginx-reload-floor.py).
    /// Smaller allocations, including most of what a request needs, are unaffected.
    static let environment = ["MALLOC_MMAP_THRESHOLD_": "16385"]

    /// Starts nginx with the current config; returns once the process runs (not yet serving).
    public func start() throws(NginxError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw NginxError(.notFound, "\(executable) is not an executable file; install nginx or pass --nginx PATH")
        }
        let p = try SpawnedProcess(
            executable: executable,
            arguments: ["-p", "\(runtimeDirectory)/", "-e", "\(runtimeDirectory)/error.log", "-c", configPath,
                        "-g", "daemon off; master_process on;"],
            environment: Self.environment)
        lock.withLock { process = p }
    }

    public var pid: Int32? { lock.withLock { process.flatMap { $0.isRunning ? $0.pid : nil } } }
    public var isRunning: Bool { pid != nil }

    /// Exit status once nginx has exited, nil while it runs or before it started.
    public var exitStatus: Int32? { lock.withLock { process?.exitStatus } }

    /// Whether nginx gave up by itself: it exits 1, after an `[emerg]` line in its error log, when
    /// it cannot load its config or bind its ports. False while it runs, and when it was killed,
    /// crashed or was told to quit: then starting it again may well serve.
    public var exitedWithError: Bool {
        guard case .exited(let status) = lock.withLock({ process?.end }) else { return false }
        return status != 0
    }

    /// Asks the master to load `nginx.conf` again (SIGHUP). A config the master refuses leaves the old
    /// workers serving; `StatusProbe` tells which generation is live.
    public func reload() throws(NginxError) {
        guard let p = lock.withLock({ process }), p.isRunning else {
            throw NginxError(.startFailed, "nginx is not running")
        }
        p.signal(SIGHUP)
    }

    /// Graceful stop: SIGQUIT lets workers finish in-flight requests; after `grace` seconds SIGTERM,
    /// then SIGKILL. Workers left behind by a master that died are killed too.
    public func stop(grace: TimeInterval = 10) {
        guard let p = lock.withLock({ process }) else { return }
        if p.isRunning {
            p.signal(SIGQUIT)
            if !p.waitForExit(timeout: grace) {
                p.signal(SIGTERM)
                if !p.waitForExit(timeout: 2) {
                    p.signal(SIGKILL)
                    _ = p.waitForExit(timeout: 2)
                }
            }
        }
        reapOrphanedWorkers()
    }

    /// A master killed outright leaves its workers running, holding the listening sockets, so a new
    /// master could not bind. nginx runs in its own process group (its master's pid): signal the group.
    public func reapOrphanedWorkers() {
        guard let p = lock.withLock({ process }), !p.isRunning else { return }
        p.signalGroup(SIGKILL)
    }

    /// The master's children now (its workers), from /proc.
    public func workerPIDs() -> Set<Int32> {
        pid.map(ProcessTable.children(of:)) ?? []
    }

    /// Whether worker `pid` still takes new connections: it runs and has not yet been told to
    /// shut down (nginx then closes its listening sockets and retitles it "... is shutting down").
    public static func isAcceptingWorker(_ pid: Int32) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return false }
        let title = String(decoding: data, as: UTF8.self)
        return !title.contains("shutting down")
    }

    /// The error log's size now: the offset from which `errorLog(since:)` reads what comes next.
    public func errorLogSize() -> Int {
        var info = stat()
        return stat("\(runtimeDirectory)/error.log", &info) == 0 ? Int(info.st_size) : 0
    }

    /// What nginx wrote to its error log after `offset` (at most 64 KiB).
    public func errorLog(since offset: Int) -> String {
        guard let handle = FileHandle(forReadingAtPath: "\(runtimeDirectory)/error.log") else { return "" }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(max(offset, 0)))) != nil,
            let data = try? handle.read(upToCount: 65536)
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The last lines of nginx's error log: what to show when something failed.
    public func errorLogTail(lines: Int = 5) -> String {
        guard let text = try? String(contentsOfFile: "\(runtimeDirectory)/error.log", encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    private func run(_ arguments: [String]) throws(NginxError) -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw NginxError(.notFound, "\(executable) is not an executable file; install nginx or pass --nginx PATH")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            throw NginxError(.notFound, "cannot run \(executable): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

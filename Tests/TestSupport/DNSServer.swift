import Foundation
import PorticoNginx

#if canImport(Glibc)
    import Glibc
#endif

/// A private DNS server for tests: dnsmasq on 127.0.0.1:`port`, answering only the names in its
/// map (several addresses per name are allowed) and NXDOMAIN for every other name. Nothing is
/// forwarded, and the machine's /etc/hosts and resolv.conf are never read.
///
/// dnsmasq runs under a `sh` that waits for it. dnsmasq closes every inherited file descriptor at
/// startup, including the socket through which Foundation's `Process` learns that a child exited;
/// Foundation then blocks in `waitpid` on the still-running dnsmasq and stops reaping every other
/// child of the test process. The shell keeps that socket open; signals go to dnsmasq itself.
public final class DNSServer: @unchecked Sendable {
    public let port: Int
    public let directory: TemporaryDirectory
    /// The `sh` that runs dnsmasq; its output files hold dnsmasq's log.
    public let process: ChildProcess
    /// dnsmasq's own pid.
    public let pid: Int32
    private let hostsFile: URL
    private let lock = NSLock()
    private var records: [String: [String]]

    /// "127.0.0.1:PORT", for nginx's `resolver` directive or `portico render --resolver`.
    public var resolverAddress: String { "127.0.0.1:\(port)" }

    /// Starts dnsmasq serving `records` (name → IPv4 addresses) and returns once it answers.
    public convenience init(_ records: [String: String], timeout: TimeInterval = 10) throws {
        try self.init(multi: records.mapValues { [$0] }, timeout: timeout)
    }

    public init(multi records: [String: [String]], timeout: TimeInterval = 10) throws {
        directory = try TemporaryDirectory("portico-dns")
        hostsFile = directory.file("hosts")
        self.records = records
        try Self.write(records, to: hostsFile)
        var lastError: Error = TestSupportError("dnsmasq did not start")
        // A UDP port that was free for TCP a moment ago is almost always free for UDP; retry if not.
        for _ in 0..<5 {
            let candidate = try Ports.free()
            let child = try ChildProcess(
                "/bin/sh",
                [
                    "-c", #""$@"; exit $?"#, "sh", "/usr/sbin/dnsmasq",
                    "--port=\(candidate)", "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--no-resolv", "--no-hosts", "--addn-hosts=\(hostsFile.path)",
                    // Every name not in the hosts file is answered here, with NXDOMAIN.
                    "--local=/#/",
                    "--keep-in-foreground", "--user=root", "--pid-file=", "--log-facility=-",
                    "--log-queries", "--cache-size=0",
                ],
                name: "dnsmasq", logDirectory: directory.url)
            do {
                try Self.waitUntilAnswering(port: candidate, process: child, timeout: timeout)
                guard let dnsmasq = ProcessTable.children(of: child.pid).first else {
                    throw TestSupportError("dnsmasq answers but is not a child of its shell")
                }
                port = candidate
                process = child
                pid = dnsmasq
                return
            } catch {
                lastError = error
                for pid in ProcessTable.children(of: child.pid) { kill(pid, SIGKILL) }
                child.stop()
            }
        }
        throw lastError
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if process.wait(timeout: 3) == nil {
            kill(pid, SIGKILL)
            process.stop()
        }
    }

    /// What dnsmasq logged (queries included): useful in a failing test's message.
    public var log: String { process.stderr }

    /// Replaces the whole map, then waits until dnsmasq answers with it.
    public func update(_ records: [String: String], timeout: TimeInterval = 10) throws {
        try update(multi: records.mapValues { [$0] }, timeout: timeout)
    }

    public func update(multi records: [String: [String]], timeout: TimeInterval = 10) throws {
        lock.withLock { self.records = records }
        try Self.write(records, to: hostsFile)
        // dnsmasq re-reads --addn-hosts files on SIGHUP.
        kill(pid, SIGHUP)
        let expected = records.mapValues { Set($0) }
        try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(20), "dnsmasq picks up the new hosts (\(signals)):\n\(log)") {
            expected.allSatisfy { name, addresses in
                (try? DNSQuery.addresses(of: name, server: port, timeout: 1)).map(Set.init) == addresses
            }
        }
    }

    /// dnsmasq's signal masks, from /proc: whether it blocks or ignores the SIGHUP it is sent.
    private var signals: String {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").filter { $0.hasPrefix("Sig") }.joined(separator: " ")
    }

    /// Adds or replaces names, keeping the others.
    public func add(_ more: [String: String], timeout: TimeInterval = 10) throws {
        try add(multi: more.mapValues { [$0] }, timeout: timeout)
    }

    /// Adds or replaces names with several addresses each, keeping the others.
    public func add(multi more: [String: [String]], timeout: TimeInterval = 10) throws {
        let merged = lock.withLock { records.merging(more) { $1 } }
        try update(multi: merged, timeout: timeout)
    }

    /// The A records dnsmasq answers for `name` (empty for NXDOMAIN).
    public func resolve(_ name: String, timeout: TimeInterval = 2) throws -> [String] {
        try DNSQuery.addresses(of: name, server: port, timeout: timeout)
    }

    private static func write(_ records: [String: [String]], to file: URL) throws {
        var text = ""
        for (name, addresses) in records.sorted(by: { $0.key < $1.key }) {
            for address in addresses { text += "\(address) \(name)\n" }
        }
        // Write then rename, so a HUP never reads half a file.
        let temporary = file.appendingPathExtension("new")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, file.path) == 0 else {
            throw TestSupportError("cannot rename \(temporary.path) to \(file.path): errno \(errno)")
        }
    }

    private static func waitUntilAnswering(port: Int, process: ChildProcess, timeout: TimeInterval) throws {
        try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(20), "dnsmasq answers on 127.0.0.1:\(port): \(process.stderr)") {
            guard process.isRunning else { throw TestSupportError("dnsmasq exited: \(process.stderr)") }
            // Any well-formed answer, NXDOMAIN included, means it is serving.
            return (try? DNSQuery.addresses(of: "portico-probe.invalid", server: port, timeout: 0.5)) != nil
        }
    }
}

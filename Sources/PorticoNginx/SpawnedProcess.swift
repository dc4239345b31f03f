import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn in a process group of its own and reaped with waitpid.
/// Foundation's `Process` is not used for nginx: on Linux it notices an exit through a descriptor
/// the child inherits, which nginx's workers keep open when the master is killed, so the master
/// would look alive forever.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var ending: Ending?

    /// How the process ended.
    enum Ending: Equatable {
        /// It called exit with this status.
        case exited(Int32)
        /// A signal ended it (SIGKILL, a crash).
        case signalled(Int32)
        /// waitpid failed: the process is gone, how is unknown.
        case unknown
    }

    /// - environment: variables added to this process's own for the child, unless already set
    ///   here (so that an operator's setting wins).
    init(executable: String, arguments: [String], environment: [String: String] = [:]) throws(NginxError) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let own = ProcessInfo.processInfo.environment
        let added = environment.filter { own[$0.key] == nil }.sorted { $0.key < $1.key }
        let lines: [String] = own.map { "\($0.key)=\($0.value)" } + added.map { "\($0.key)=\($0.value)" }
        let envp: [UnsafeMutablePointer<CChar>?] = lines.map { strdup($0) }
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        var args = argv + [nil]
        var env = envp + [nil]
        let rc = args.withUnsafeMutableBufferPointer { buffer in
            env.withUnsafeMutableBufferPointer { envBuffer in
                guard let argvPointer = buffer.baseAddress, let envPointer = envBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, nil, &attributes, argvPointer, envPointer)
            }
        }
        guard rc == 0 else {
            throw NginxError(.startFailed, "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// How the process ended (reaping it), nil while it runs.
    var end: Ending? {
        lock.withLock {
            if let ending { return ending }
            var raw: Int32 = 0
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid {
                // WIFEXITED / WTERMSIG by hand: Glibc's macros are not imported into Swift.
                let signal = raw & 0x7f
                ending = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
            } else if r < 0 {
                ending = .unknown
            }
            return ending
        }
    }

    /// The exit status once the process has ended (128 + the signal's number when a signal ended
    /// it, as a shell says it), nil while it runs.
    var exitStatus: Int32? {
        switch end {
        case nil: nil
        case .exited(let status): status
        case .signalled(let signal): 128 + signal
        case .unknown: -1
        }
    }

    var isRunning: Bool { end == nil }

    func signal(_ sig: Int32) { if isRunning { kill(pid, sig) } }

    /// Signals the whole process group: the master and any workers it left behind.
    func signalGroup(_ sig: Int32) { kill(-pid, sig) }

    /// Waits up to `timeout` seconds for the exit.
    func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        return !isRunning
    }
}

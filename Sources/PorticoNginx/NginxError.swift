/// What went wrong with nginx, with nginx's own words where it gave any.
public struct NginxError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The executable is missing or not executable.
        case notFound = "nginx-not-found"
        /// nginx refused the config (`nginx -t`, or the master on reload).
        case invalidConfig = "invalid-config"
        /// nginx exited or never started serving.
        case startFailed = "start-failed"
        /// The master died (killed, crashed, told to quit) before it served the first config: not a
        /// refusal, so starting it again may serve.
        case exitedBeforeServing = "exited-before-serving"
        /// After a reload the status endpoint did not report the new generation in time.
        case reloadNotConfirmed = "reload-not-confirmed"
        /// The runtime directory could not be written (read-only, full, permissions).
        case writeFailed = "write-failed"
    }

    public var code: Code
    public var message: String
    /// What nginx printed, if anything (e.g. `[emerg] unknown directive "x" in .../nginx.conf:12`).
    public var nginxOutput: String

    public init(_ code: Code, _ message: String, nginxOutput: String = "") {
        self.code = code
        self.message = message
        self.nginxOutput = nginxOutput
    }

    public var description: String {
        nginxOutput.isEmpty ? message : "\(message): \(nginxOutput.trimmingTrailingNewlines)"
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}

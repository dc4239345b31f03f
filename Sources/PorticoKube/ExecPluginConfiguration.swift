import Foundation
import Synchronization

/// A kubeconfig `user.exec` credential plugin (client.authentication.k8s.io ExecCredential).
struct ExecPluginConfiguration: Sendable, Equatable {
    static let supportedAPIVersions: Set<String> = [
        "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1",
    ]

    var command: String
    var arguments: [String]
    var environment: [(name: String, value: String)]
    var apiVersion: String
    var installHint: String?
    /// Set when `provideClusterInfo` asks for the cluster in KUBERNETES_EXEC_INFO.
    var server: String?
    var source: String
    var context: String

    static func == (a: Self, b: Self) -> Bool {
        a.command == b.command && a.arguments == b.arguments && a.apiVersion == b.apiVersion
            && a.environment.map(\.name) == b.environment.map(\.name)
            && a.environment.map(\.value) == b.environment.map(\.value)
    }

    /// What one run of the plugin returned.
    struct Credential: Sendable {
        var token: String?
        var identity: ClientIdentity?
        var expiry: Date?
    }

    /// Runs the plugin to completion on a thread of its own (it blocks) and parses its output.
    func run(timeout: Duration = .seconds(60)) async throws(KubeConfigError) -> Credential {
        let result: Result<Credential, KubeConfigError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result { () throws(KubeConfigError) in try runBlocking(timeout: timeout) })
            }
            thread.name = "portico-exec-credential"
            thread.start()
        }
        return try result.get()
    }

    private func error(_ code: KubeConfigError.Code, _ reason: String, hint: String? = nil) -> KubeConfigError
    {
        KubeConfigError(
            code, source: source, context: context, field: "exec \(command)", reason: reason,
            hint: hint ?? installHint.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    }

    private func runBlocking(timeout: Duration) throws(KubeConfigError) -> Credential {
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        env["KUBERNETES_EXEC_INFO"] = execInfo
        var attempt = 0
        var started: (process: Process, stdout: Pipe, stderr: Pipe)?
        while started == nil {
            let process = Process()
            if command.contains("/") {
                process.executableURL = URL(fileURLWithPath: command)
                process.arguments = arguments
            } else {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [command] + arguments
            }
            process.environment = env
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
                started = (process, stdout, stderr)
            } catch  where Self.isTextFileBusy(error) && attempt < 5 {
                // The plugin was just (re)installed and another process still holds it open for
                // writing; that passes within milliseconds.
                attempt += 1
                usleep(50_000)
            } catch {
                throw self.error(.execPluginFailed, "could not start (\(KubeConfiguration.reason(error)))")
            }
        }
        guard let (process, stdout, stderr) = started else {
            throw self.error(.execPluginFailed, "could not start")
        }
        // Read both pipes on threads of their own, so that a chatty plugin cannot block on a full
        // pipe and a hung one cannot block us past the deadline.
        let output = PipeReader(stdout.fileHandleForReading)
        let errors = PipeReader(stderr.fileHandleForReading)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            usleep(100_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw self.error(.execPluginFailed, "did not finish within \(timeout.seconds) s")
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            let message = String(decoding: errors.data(waitingAtMost: .seconds(1)).prefix(500), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw self.error(
                .execPluginFailed,
                "exited with status \(process.terminationStatus)" + (message.isEmpty ? "" : ": \(message)"))
        }
        // A background child of the plugin may hold the pipe open; its output is complete at exit.
        return try parse(output.data(waitingAtMost: .seconds(5)))
    }

    private static func isTextFileBusy(_ error: any Error) -> Bool {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain && error.code == Int(ETXTBSY) { return true }
        if let posix = error.userInfo[NSUnderlyingErrorKey] as? POSIXError { return posix.code == .ETXTBSY }
        return false
    }

    func parse(_ output: Data) throws(KubeConfigError) -> Credential {
        struct ExecCredential: Decodable {
            var apiVersion: String?
            var kind: String?
            var status: Status?
            struct Status: Decodable {
                var token: String?
                var clientCertificateData: String?
                var clientKeyData: String?
                var expirationTimestamp: String?
            }
        }
        let decoded: ExecCredential
        do {
            decoded = try JSONDecoder().decode(ExecCredential.self, from: output)
        } catch {
            throw self.error(
                .execPluginInvalidOutput,
                "did not print an ExecCredential (\(KubeConfiguration.reason(error)))",
                hint: "run it by hand; it must print client.authentication.k8s.io ExecCredential JSON")
        }
        guard decoded.kind == "ExecCredential", let status = decoded.status else {
            throw self.error(
                .execPluginInvalidOutput, "printed no ExecCredential status",
                hint: "it must print {\"kind\":\"ExecCredential\",\"status\":{\"token\":...}}")
        }
        var credential = Credential()
        credential.token = status.token.flatMap { $0.isEmpty ? nil : $0 }
        switch (status.clientCertificateData, status.clientKeyData) {
        case (let certificate?, let key?):
            credential.identity = ClientIdentity(
                certificatePEM: Data(certificate.utf8), keyPEM: Data(key.utf8))
        case (nil, nil): break
        default:
            throw self.error(
                .execPluginInvalidOutput, "printed only one of clientCertificateData and clientKeyData",
                hint: "it must print both or neither")
        }
        if credential.token == nil && credential.identity == nil {
            throw self.error(.execPluginInvalidOutput, "printed neither a token nor a client certificate")
        }
        if let timestamp = status.expirationTimestamp {
            guard let date = parseTimestamp(timestamp) else {
                throw self.error(
                    .execPluginInvalidOutput,
                    "printed expirationTimestamp \"\(timestamp)\", which is not RFC 3339")
            }
            credential.expiry = date
        }
        return credential
    }

    /// The KUBERNETES_EXEC_INFO document: the ExecCredential request, never interactive.
    var execInfo: String {
        struct Info: Encodable {
            struct Spec: Encodable {
                struct Cluster: Encodable { var server: String }
                var interactive = false
                var cluster: Cluster?
            }
            var apiVersion: String
            var kind = "ExecCredential"
            var spec: Spec
        }
        let info = Info(apiVersion: apiVersion, spec: .init(cluster: server.map { .init(server: $0) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return (try? encoder.encode(info)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Reads a pipe to its end on a thread of its own.
private final class PipeReader: Sendable {
    private let state = Mutex<Data?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let data = handle.readDataToEndOfFile()
            state.withLock { $0 = data }
            done.signal()
        }
        thread.name = "portico-exec-pipe"
        thread.start()
    }

    /// What was read, once the writer closed the pipe, or nothing after `timeout`.
    func data(waitingAtMost timeout: Duration) -> Data {
        _ = done.wait(timeout: .now() + .milliseconds(Int(timeout.milliseconds)))
        return state.withLock { $0 } ?? Data()
    }
}

import Foundation

/// A real HTTP/1.1 backend (Tests/Support/backend/echo_backend.py) on `address`:`port` that
/// answers every request with JSON naming itself and describing the request it received (see
/// `EchoReply`), and echoes one WebSocket frame after an upgrade. Several backends can share a
/// port on different loopback addresses (127.0.0.2, 127.0.0.3, ...).
public final class EchoBackend: @unchecked Sendable {
    public let name: String
    public let address: String
    public let port: Int
    public let process: ChildProcess
    private let logs: TemporaryDirectory

    /// The script, found from this source file: the tests run from a source checkout.
    public static let script: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Support/backend/echo_backend.py")

    /// Starts the backend and returns once it accepts connections.
    /// - status: what every answer's status is (502: a backend that fails).
    /// - tls: a certificate and its key: the backend serves HTTPS.
    /// - clientAuthorities: with `tls`, a client certificate they issued is required.
    public init(
        name: String, address: String = "127.0.0.1", port: Int, status: Int = 200, tls: (certificate: URL, key: URL)? = nil,
        clientAuthorities: URL? = nil, timeout: TimeInterval = 10
    ) throws {
        guard FileManager.default.fileExists(atPath: Self.script.path) else {
            throw TestSupportError("echo backend script not found at \(Self.script.path)")
        }
        self.name = name
        self.address = address
        self.port = port
        logs = try TemporaryDirectory("portico-echo")
        process = try Self.launch(
            Self.script,
            ["--status", String(status)] + (tls.map { ["--tls-cert", $0.certificate.path, "--tls-key", $0.key.path] } ?? [])
                + (clientAuthorities.map { ["--tls-client-ca", $0.path] } ?? []),
            name: name, address: address, port: port, label: "echo-\(name)", logs: logs, timeout: timeout)
    }

    /// Starts a Python backend script (`--name`, `--address`, `--port` and `arguments`) and returns
    /// once it accepts connections on `address`:`port`.
    static func launch(
        _ script: URL, _ arguments: [String], name: String, address: String, port: Int, label: String, logs: TemporaryDirectory,
        timeout: TimeInterval
    ) throws -> ChildProcess {
        // The system interpreter starts faster than a version manager's shim.
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let process = try ChildProcess(
            python, ["-u", script.path, "--name", name, "--address", address, "--port", String(port)] + arguments, name: label,
            logDirectory: logs.url)
        do {
            try Ports.waitUntilListening(port, host: address, timeout: timeout, process: process)
        } catch {
            process.stop()
            throw error
        }
        return process
    }

    deinit { stop() }

    public func stop() { process.stop() }

    /// The backend's access log (one line per request).
    public var log: String { process.stderr }

    /// Lets the answers held for `token` (`X-Echo-Hold`) finish, asking the backend directly.
    public func release(_ token: String) throws {
        let response = try HTTPProbe.request(port: port, host: address, target: "/__release/" + token, address: address)
        guard response.status == 200 else { throw TestSupportError("release \(token): status \(response.status)") }
    }

    /// The auth decisions asked of this backend (`/__auth...`), oldest first, asked directly.
    public func authRequests() throws -> [EchoReply] {
        let response = try HTTPProbe.request(port: port, host: address, target: "/__auth-log", address: address)
        guard response.status == 200 else { throw TestSupportError("auth log: status \(response.status)") }
        return try JSONDecoder().decode([EchoReply].self, from: response.body)
    }

    /// Starts one backend per name on consecutive loopback addresses from 127.0.0.`firstHost`, all
    /// on `port`; returns them in the order given with their addresses.
    public static func start(_ names: [String], port: Int, firstHost: Int = 2) throws -> [EchoBackend] {
        try names.enumerated().map { index, name in
            try EchoBackend(name: name, address: "127.0.0.\(firstHost + index)", port: port)
        }
    }
}

/// What the echo backend reports about a request it received.
public struct EchoReply: Decodable, Sendable, Equatable {
    public var backend: String
    public var method: String
    /// The raw path of the request target, before any "?", undecoded.
    public var path: String
    /// The raw query string (after the first "?"), empty when there was none.
    public var query: String
    /// Lower-cased header names; repeated headers joined with ", ".
    public var headers: [String: String]
    public var body: String
    public var bodyLength: Int
    public var bodySHA256: String
    /// "HTTP/1.1" or "HTTP/1.0", as the backend saw it.
    public var httpVersion: String
    /// Over TLS: the SNI the client sent, and the subject of its certificate ("commonName=..."), if any.
    public var tlsServerName: String?
    public var tlsClientSubject: String?

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Decodes the body of a response from the echo backend; throws with the raw body otherwise
    /// (an nginx error page, for instance).
    public static func decode(_ response: HTTPResponse) throws -> EchoReply {
        do {
            return try JSONDecoder().decode(EchoReply.self, from: response.body)
        } catch {
            throw TestSupportError(
                "not an echo backend reply (status \(response.status)): \(response.text.prefix(500))")
        }
    }
}

import Foundation

/// A real TCP backend (Tests/Support/backend/stream_backend.py) on `address`:`port`: each
/// connection gets a line naming the backend (and, with `proxyProtocol`, the PROXY protocol
/// header it received), then its bytes echoed until it half-closes.
public final class StreamBackend: @unchecked Sendable {
    public let name: String
    public let address: String
    public let port: Int
    public let process: ChildProcess
    private let logs: TemporaryDirectory

    public static let script: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Support/backend/stream_backend.py")

    public init(name: String, address: String = "127.0.0.1", port: Int, proxyProtocol: Bool = false, timeout: TimeInterval = 10) throws {
        self.name = name
        self.address = address
        self.port = port
        logs = try TemporaryDirectory("portico-stream-backend")
        process = try EchoBackend.launch(
            Self.script, proxyProtocol ? ["--proxy-protocol"] : [], name: name, address: address, port: port, label: "stream-\(name)",
            logs: logs, timeout: timeout)
    }

    deinit { stop() }

    public func stop() { process.stop() }
}

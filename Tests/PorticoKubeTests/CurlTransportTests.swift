import Foundation
import Synchronization
import Testing
import TestSupport

@testable import PorticoKube

/// The transport against tiny local plain-HTTP servers; TLS is covered by the API server tests.
@Suite struct CurlTransportTests {
    /// A server that answers every connection with a chunked 200, sends `first`, waits `pause`
    /// seconds, sends `second`, then holds the connection open without a byte more.
    static let trickleServer = #"""
        import signal, socket, sys, threading, time
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])  # the test runner may block it
        port, pause = int(sys.argv[1]), float(sys.argv[2])
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port)); s.listen(8)
        def chunk(b): return b"%x\r\n%s\r\n" % (len(b), b)
        def serve(c):
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            data = b""
            while b"\r\n\r\n" not in data:
                more = c.recv(4096)
                if not more: return  # a readiness probe
                data += more
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            c.sendall(chunk(b'{"first":1}\n{"sec'))
            time.sleep(pause)
            c.sendall(chunk('ond":"✓"}\n'.encode()))
            time.sleep(3600)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """#

    static func startTrickleServer(pause: Double, in dir: TemporaryDirectory) throws -> (ChildProcess, Int) {
        let port = try Ports.free()
        let script = try dir.write("trickle.py", trickleServer)
        let server = try ChildProcess(
            "/usr/bin/python3", [script.path, String(port), String(pause)], logDirectory: dir.url)
        try Ports.waitUntilListening(port, process: server)
        return (server, port)
    }

    @Test func streamDeliversChunksAsTheyArriveThenTheIdleTimeoutCutsIt() async throws {
        let dir = try TemporaryDirectory()
        let (server, port) = try Self.startTrickleServer(pause: 0.4, in: dir)
        defer { server.stop() }
        let transport = CurlTransport(tls: TLSSettings())
        let arrivals = Mutex<[(ContinuousClock.Instant, Data)]>([])
        var request = HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/watch")
        request.timeout = nil
        request.idleTimeout = .milliseconds(700)
        let start = ContinuousClock.now
        let error = await #expect(throws: KubeTransportError.self) {
            _ = try await transport.stream(request, identity: nil) { bytes in
                arrivals.withLock { $0.append((.now, Data(bytes))) }
                return true
            }
        }
        #expect(error?.code == .idle)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(1000) && elapsed < .seconds(15), "took \(elapsed)")
        let chunks = arrivals.withLock { $0 }
        #expect(chunks.count == 2)
        // The first chunk reached us well before the second was sent.
        if chunks.count == 2 { #expect(chunks[1].0 - chunks[0].0 >= .milliseconds(300)) }
        var frames = WatchFrameDecoder()
        var lines: [String] = []
        for (_, chunk) in chunks {
            lines += try frames.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(lines == [#"{"first":1}"#, #"{"second":"✓"}"#])
    }

    @Test func cancellationStopsABlockedStreamPromptly() async throws {
        let dir = try TemporaryDirectory()
        let (server, port) = try Self.startTrickleServer(pause: 3600, in: dir)
        defer { server.stop() }
        let transport = CurlTransport(tls: TLSSettings())
        var request = HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/watch")
        request.timeout = nil
        let blocked = request
        let receiving = Flag()
        let started = ContinuousClock.now
        let outcome = try await withThrowingTaskGroup(of: KubeTransportError?.self) { group in
            group.addTask {
                do {
                    _ = try await transport.stream(blocked, identity: nil) { _ in
                        receiving.set()
                        return true
                    }
                    return nil
                } catch {
                    return error as? KubeTransportError
                }
            }
            // Cancelled once the stream is blocked on the server: its first chunk came, no more will.
            try await eventually("the stream's first chunk") { receiving.isSet }
            group.cancelAll()
            return try await group.next() ?? nil
        }
        #expect(outcome?.code == .cancelled)
        // The server never ends the stream; only cancellation can have ended it. (Generous bound:
        // other suites may be starting servers on the same two cores.)
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    /// Set once, from any thread.
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test func refusedConnectionIsClassified() async throws {
        let port = try Ports.free()
        let transport = CurlTransport(tls: TLSSettings())
        let error = await #expect(throws: KubeTransportError.self) {
            _ = try await transport.perform(
                HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/api"), identity: nil)
        }
        #expect(error?.code == .couldNotConnect)
        #expect(error?.isTransient == true)
        #expect(error?.description.contains("GET http://127.0.0.1:\(port)/api") == true)
    }
}

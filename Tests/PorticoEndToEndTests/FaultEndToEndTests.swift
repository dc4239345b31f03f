import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Bad days for `portico run`: a runtime directory that fills up or turns read-only, an API server
/// that answers garbage, truncates, or sends absurdly large objects, a template nginx refuses, and
/// an nginx that is missing or cannot start. Each gets a clear error; whatever served keeps serving;
/// nothing crashes.
@Suite("End to end: faults", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct FaultEndToEndTests {
    typealias Rig = RunEndToEndTests.Rig
    static let ingresses = RunEndToEndTests.ingresses
    static let services = RunEndToEndTests.services
    static var isRoot: Bool { geteuid() == 0 }

    /// A start-up failure is said as what it is: no signal came, so none is reported.
    static func assertNoSignalReported(_ log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!log.contains("signal received"), "\(log.suffix(3000))", sourceLocation: sourceLocation)
    }

    /// Words that only a crash prints (Swift runtime traps, glibc aborts, backtraces).
    static func assertNoCrash(_ log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for sign in ["Fatal error", "Stack dump", "Current stack trace", "Segmentation fault", "SIGSEGV", "SIGABRT", "Illegal instruction"] {
            #expect(!log.contains(sign), "crash sign \"\(sign)\" in: \(log.suffix(3000))", sourceLocation: sourceLocation)
        }
    }

    /// Runs `script` with `sh -c` inside the mount namespace of process `pid`.
    static func inNamespace(of pid: Int32, _ script: String) throws -> CommandResult {
        try runCommand("nsenter", ["-t", "\(pid)", "-m", "sh", "-c", script], timeout: 30)
    }

    @Test(.enabled(if: isRoot, "needs root: the runtime directory is a small tmpfs in a private mount namespace"))
    func aFullOrReadOnlyRuntimeDirectoryKeepsTheLastGoodConfigServing() async throws {
        // portico's runtime directory becomes a 4 MiB tmpfs that only portico (and its nginx) see.
        let mountPoint = try TemporaryDirectory("portico-tmpfs")
        let runtime = mountPoint.file("nginx").path
        let script = "mount -t tmpfs -o size=4m portico-test \(mountPoint.path) && exec \"$0\" \"$@\""
        let rig = try Rig(
            extraArguments: ["--runtime-dir", runtime],
            launcher: ["unshare", "-m", "--propagation", "private", "sh", "-c", script])
        try await rig.serveSite()
        let pid = rig.portico.pid

        // Full: the next config cannot be written.
        let fill = try Self.inNamespace(of: pid, "dd if=/dev/zero of=\(mountPoint.path)/filler bs=64k 2>/dev/null; df -k \(mountPoint.path)")
        #expect(fill.stdout.contains("portico-test"), "the tmpfs is not there: \(fill.stdout) \(fill.stderr)")
        try await rig.server.create(Self.ingresses, rig.ingress("full", host: "full.test", path: "/", service: "web"))
        try await eventually("no clear error: \(rig.log)") { rig.log.contains("No space left on device") }
        #expect(rig.log.contains("config failed; the last good config keeps serving"))
        #expect(rig.who("a.test", "/") == "web")
        #expect(rig.who("full.test", "/") == "404")
        #expect(rig.health("/healthz") == 200)

        // Space again: the next change puts everything live.
        _ = try Self.inNamespace(of: pid, "rm -f \(mountPoint.path)/filler")
        try await rig.server.create(Self.ingresses, rig.ingress("after-full", host: "b.test", path: "/", service: "web"))
        try await eventually("\(rig.log)") { rig.who("b.test", "/") == "web" && rig.who("full.test", "/") == "web" }

        // Read-only: the same.
        let remount = try Self.inNamespace(of: pid, "mount -o remount,ro \(mountPoint.path)")
        #expect(remount.status == 0, "\(remount.stderr)")
        try await rig.server.create(Self.ingresses, rig.ingress("ro", host: "ro.test", path: "/", service: "web"))
        try await eventually("no clear error: \(rig.log)") { rig.log.contains("Read-only file system") }
        #expect(rig.who("a.test", "/") == "web")
        #expect(rig.who("ro.test", "/") == "404")
        _ = try Self.inNamespace(of: pid, "mount -o remount,rw \(mountPoint.path)")
        try await rig.server.create(Self.ingresses, rig.ingress("after-ro", host: "c.test", path: "/", service: "web"))
        try await eventually("\(rig.log)") { rig.who("c.test", "/") == "web" && rig.who("ro.test", "/") == "web" }
        #expect(rig.portico.isRunning)
        Self.assertNoCrash(rig.log)
    }

    @Test func anAPIServerThatAnswersGarbageOrTruncatesIsSurvived() async throws {
        let rig = try Rig()
        try await rig.serveSite()

        // Garbage for watches and lists, then a list body cut short of its Content-Length, then a
        // watch stream of bytes that are no JSON at all; every stream is cut and versions expire,
        // so the client must list again through all of it.
        try await rig.server.answerNextRequests(2, with: "<html>this is not the API server</html>", verb: "watch")
        try await rig.server.answerNextRequests(2, with: "{\"kind\":\"IngressList\",\"items\":[{\"metad", declaredLength: 4096, verb: "list")
        try await rig.server.answerNextRequests(2, with: "\u{1}\u{2}garbage\n{\"type\":\"ADDED\",\"object\":42}\n", verb: "watch")
        try await rig.server.answerNextRequests(2, with: "{\"items\": \"not a list\"}", verb: "list")
        try await rig.server.compact()
        try await rig.server.cutWatches(.midEvent)
        // Watched through the garbage (a second): every request answered meanwhile.
        for _ in 0..<20 {
            #expect(rig.who("a.test", "/") == "web")
            try await Task.sleep(for: .milliseconds(50))
        }
        try await rig.server.create(Self.ingresses, rig.ingress("late", host: "late.test", path: "/", service: "web"))
        try await eventually(timeout: .seconds(20), "change after the garbage never applied: \(rig.log)") { rig.who("late.test", "/") == "web" }
        // Each failure is said, with what failed and why, and the cache keeps its last state.
        #expect(rig.log.contains("list or watch failed; the cache keeps its last state and retries"), "\(rig.log)")
        #expect(rig.log.contains("watch expired; listing again"))
        #expect(rig.who("a.test", "/") == "web")
        #expect(rig.portico.isRunning)
        Self.assertNoCrash(rig.log)
    }

    @Test func anAbsurdlyLargeIngressIsHandledAndTheRestKeepsServing() async throws {
        let rig = try Rig()
        try await rig.serveSite()

        // 3 MB of annotation (twice what etcd would store) and 1,000 paths (the limit), one of them
        // hostile: served, without the hostile path.
        func huge(_ name: String, host: String, paths count: Int) -> [String: Any] {
            let paths: [[String: Any]] = (0..<count).map { i in
                ["path": i == 500 ? "/x;} location /etc { alias /etc/;" : "/p\(i)", "pathType": "Prefix",
                 "backend": ["service": ["name": "web", "port": ["name": "http"]]]]
            }
            return [
                "metadata": ["name": name, "annotations": ["example.com/blob": String(repeating: "a", count: 3 << 20)]],
                "spec": ["rules": [["host": host, "http": ["paths": paths]]]],
            ]
        }
        try await rig.server.create(Self.ingresses, huge("huge", host: "huge.test", paths: 1000))
        try await eventually(timeout: .seconds(30), "huge Ingress never served: \(rig.log)") { rig.who("huge.test", "/p999/x") == "web" }
        #expect(rig.who("huge.test", "/etc/passwd") == "404")
        // 20,000 paths: over the limit, left out whole with a clear reason.
        try await rig.server.create(Self.ingresses, huge("absurd", host: "absurd.test", paths: 20_000))
        try await eventually(timeout: .seconds(30), "\(rig.log.suffix(3000))") { rig.log.contains("20000 paths, more than the limit of 1000") }
        #expect(rig.who("absurd.test", "/p1/") == "404")
        #expect(rig.who("huge.test", "/p999/x") == "web")
        #expect(rig.who("a.test", "/") == "web")
        #expect(rig.portico.isRunning)
        Self.assertNoCrash(rig.log)
    }

    @Test func aTemplateNginxRefusesStopsStartUpWithNginxsMessage() async throws {
        let template = try TemporaryDirectory("portico-template")
        let path = template.file("bad.tmpl").path
        try "events {}\nhttp {\n    not_a_directive on;\n}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let rig = try Rig(extraArguments: ["--template", path])
        let status = rig.portico.wait(timeout: 30)
        #expect(status == 1, "expected exit 1: \(rig.log)")
        #expect(rig.log.contains("unknown directive \"not_a_directive\""), "\(rig.log)")
        #expect(rig.health("/readyz") != 200)
        Self.assertNoCrash(rig.log)
        Self.assertNoSignalReported(rig.log)
    }

    @Test func aMissingNginxIsAClearErrorAndExit1() async throws {
        let rig = try Rig(extraArguments: ["--nginx", "/nonexistent/sbin/nginx"])
        #expect(rig.portico.wait(timeout: 30) == 1, "\(rig.log)")
        #expect(rig.log.contains("/nonexistent/sbin/nginx is not an executable file; install nginx or pass --nginx PATH"), "\(rig.log)")
        Self.assertNoCrash(rig.log)
        Self.assertNoSignalReported(rig.log)
    }

    @Test func anNginxThatCannotBindIsAClearErrorAndExit1() async throws {
        // Someone else holds the HTTP port.
        let port = try Ports.free()
        let fd = try Ports.occupy(port)
        defer { close(fd) }
        let rig = try Rig(extraArguments: ["--http-port", "\(port)"])
        #expect(rig.portico.wait(timeout: 30) == 1, "\(rig.log)")
        #expect(rig.log.contains("Address already in use"), "\(rig.log)")
        #expect(rig.log.contains("nginx did not start serving the first config"), "\(rig.log)")
        Self.assertNoCrash(rig.log)
        Self.assertNoSignalReported(rig.log)
    }
}

import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The fake Kubernetes API server (`Tests/Support/apiserver/kube_test_apiserver.py`, contract in
/// the README next to it) running as a child process: HTTPS with a test CA and bearer tokens on
/// `url`, the same API without auth plus the fault knobs on `adminURL` (plain HTTP, so
/// URLSession can reach it on Linux). Stopped by `stop()` or when dropped.
public final class TestAPIServer: @unchecked Sendable {
    /// The user the default token authenticates as.
    public static let defaultUser = "system:serviceaccount:ingress:portico"

    public struct Options: Sendable {
        /// Extra bearer tokens: token → user.
        public var tokens: [String: String] = [:]
        /// Users whose token is read from a file on every request (rotate by rewriting it).
        public var tokenFiles: [String: URL] = [:]
        /// user → rules `VERB:RESOURCE` (`*` wildcards) answered with 403.
        public var forbid: [String: [String]] = [:]
        /// Namespaces that exist at start besides `default`.
        public var namespaces: [String] = []
        public var bookmarkInterval: Double = 1
        public var extraArguments: [String] = []
        public init() {}
    }

    public let directory: TemporaryDirectory
    public let certificates: TestCertificates
    public let process: ChildProcess
    public let port: Int
    public let adminPort: Int
    /// A bearer token for `defaultUser`.
    public let token: String
    private let session: URLSession

    /// `https://127.0.0.1:port`: TLS with `caFile`, bearer token or client certificate.
    public let url: URL
    /// `http://127.0.0.1:adminPort`: the same API without auth, plus `/_test/...`.
    public let adminURL: URL
    public var caFile: URL { certificates.caCertificate }

    /// The Python script, found relative to this source file.
    public static var scriptURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/apiserver/kube_test_apiserver.py")
    }

    /// Makes certificates, starts the server and waits (up to `timeout` seconds) for its ready file.
    public init(_ options: Options = Options(), timeout: TimeInterval = 15) throws {
        directory = try TemporaryDirectory("portico-apiserver")
        certificates = try TestCertificates.generate(in: directory.file("pki"))
        token = "portico-\(UUID().uuidString)"
        let ready = directory.file("ready.json")
        var arguments = [
            Self.scriptURL.path,
            "--cert", certificates.serverCertificate.path, "--key", certificates.serverKey.path,
            "--client-ca", certificates.caCertificate.path,
            "--token", "\(Self.defaultUser)=\(token)",
            "--ready-file", ready.path,
            "--bookmark-interval", String(options.bookmarkInterval),
        ]
        for (token, user) in options.tokens.sorted(by: { $0.key < $1.key }) {
            arguments += ["--token", "\(user)=\(token)"]
        }
        for (user, file) in options.tokenFiles.sorted(by: { $0.key < $1.key }) {
            arguments += ["--token-file", "\(user)=\(file.path)"]
        }
        for (user, rules) in options.forbid.sorted(by: { $0.key < $1.key }) where !rules.isEmpty {
            arguments += ["--forbid", "\(user)=\(rules.joined(separator: ","))"]
        }
        for namespace in options.namespaces { arguments += ["--namespace", namespace] }
        arguments += options.extraArguments
        let process = try ChildProcess(
            "python3", arguments, name: "kube-test-apiserver", logDirectory: directory.url)
        self.process = process
        var ports: (Int, Int)?
        do {
            try eventuallyBlocking(
                timeout: .seconds(timeout), poll: .milliseconds(20), "kube_test_apiserver.py writes its ready file: \(process.stderr)"
            ) {
                if let data = try? Data(contentsOf: ready),
                    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let port = json["port"] as? Int, let adminPort = json["adminPort"] as? Int
                {
                    ports = (port, adminPort)
                }
                guard ports != nil || process.isRunning else {
                    throw TestSupportError("kube_test_apiserver.py exited before it was ready: \(process.stderr)")
                }
                return ports != nil
            }
        } catch {
            process.stop()
            throw error
        }
        (port, adminPort) = ports ?? (0, 0)
        guard let url = URL(string: "https://127.0.0.1:\(port)"),
            let adminURL = URL(string: "http://127.0.0.1:\(adminPort)")
        else { throw TestSupportError("bad ports in \(ready.path)") }
        self.url = url
        self.adminURL = adminURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    deinit { stop() }

    /// SIGTERM (then SIGKILL) and wait for the exit.
    public func stop() { process.stop() }

    /// The server's stderr: tracebacks, and one line per request with `--log-requests`.
    public var log: String { process.stderr }

    /// A kubeconfig for kubectl or the client: this server, its CA file, and `token` (default: the
    /// default user's), or the test client certificate when `clientCertificate` is true.
    @discardableResult
    public func writeKubeconfig(
        to file: URL, token: String? = nil, clientCertificate: Bool = false, namespace: String = "default"
    ) throws -> URL {
        let credentials =
            clientCertificate
            ? [
                "    client-certificate: \(certificates.clientCertificate.path)",
                "    client-key: \(certificates.clientKey.path)",
            ]
            : ["    token: \(token ?? self.token)"]
        let lines =
            [
                "apiVersion: v1", "kind: Config", "clusters:", "- name: portico-test", "  cluster:",
                "    server: \(url.absoluteString)", "    certificate-authority: \(caFile.path)",
                "users:", "- name: portico-test", "  user:",
            ] + credentials + [
                "contexts:", "- name: portico-test", "  context:", "    cluster: portico-test",
                "    user: portico-test", "    namespace: \(namespace)", "current-context: portico-test",
            ]
        let text = lines.joined(separator: "\n") + "\n"
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    // MARK: Paths

    /// `/api/v1/namespaces/default/services/web`, `/apis/networking.k8s.io/v1/ingresses`, ...
    public static func path(
        _ apiVersion: String, _ resource: String, namespace: String? = nil, name: String? = nil,
        subresource: String? = nil
    ) -> String {
        var path = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        if let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(resource)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    // MARK: Admin listener: the API without auth

    /// One request to the admin listener; any status is returned, not thrown.
    public func send(
        _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json"
    ) async throws -> (status: Int, body: Data) {
        guard let target = URL(string: adminURL.absoluteString + path) else {
            throw TestSupportError("bad admin path \(path)")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// A request whose JSON answer must have status `expecting`; the decoded object.
    @discardableResult
    public func json(
        _ method: String, _ path: String, _ body: Any? = nil, contentType: String = "application/json",
        expecting: Int = 200
    ) async throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, answer) = try await send(method, path, body: data, contentType: contentType)
        guard status == expecting else {
            throw TestSupportError(
                "\(method) \(path): status \(status), expected \(expecting): "
                    + (String(data: answer, encoding: .utf8) ?? ""))
        }
        guard let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] else {
            throw TestSupportError("\(method) \(path): the answer is not a JSON object")
        }
        return object
    }

    public func get(_ path: String) async throws -> [String: Any] {
        try await json("GET", path)
    }

    /// POST to a collection path, e.g. `TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")`.
    @discardableResult
    public func create(_ collectionPath: String, _ object: [String: Any]) async throws -> [String: Any] {
        try await json("POST", collectionPath, object, expecting: 201)
    }

    @discardableResult
    public func update(_ path: String, _ object: [String: Any]) async throws -> [String: Any] {
        try await json("PUT", path, object)
    }

    @discardableResult
    public func patch(
        _ path: String, _ patch: [String: Any], contentType: String = "application/merge-patch+json"
    ) async throws -> [String: Any] {
        try await json("PATCH", path, patch, contentType: contentType)
    }

    @discardableResult
    public func delete(_ path: String) async throws -> [String: Any] {
        try await json("DELETE", path)
    }

    /// Creates many objects in one request (resource from each object's apiVersion and kind).
    public func bulkCreate(_ objects: [[String: Any]]) async throws {
        try await json("POST", "/_test/bulk", ["items": objects])
    }

    /// Every object on the server: `resources` maps `ingresses.networking.k8s.io`, `services`, ...
    /// to the objects; `resourceVersion` is the store's current one.
    public func state() async throws -> [String: Any] {
        try await get("/_test/state")
    }

    /// The number of open watch streams.
    public func openWatchCount() async throws -> Int {
        try await get("/_test/watches")["count"] as? Int ?? 0
    }

    /// The last requests served (method, path, query, user, verb, status, listener).
    public func requests() async throws -> [[String: Any]] {
        try await get("/_test/requests")["requests"] as? [[String: Any]] ?? []
    }

    /// Polls until at least `count` watches are open (a client's watch is established).
    public func waitForWatches(_ count: Int = 1, timeout: TimeInterval = 10) async throws {
        try await eventually(timeout: .seconds(timeout), poll: .milliseconds(20), "\(count) watches open") {
            try await openWatchCount() >= count
        }
    }

    // MARK: Fault knobs

    public enum WatchCut: String, Sendable {
        /// TCP close without the terminating chunk.
        case close
        /// Half of the next event line, then a TCP close.
        case midEvent
        /// A clean end of the stream (terminating chunk).
        case end
    }

    public func cutWatches(_ mode: WatchCut = .close) async throws {
        try await json("POST", "/_test/watch/cut", ["mode": mode.rawValue])
    }

    /// No watch stream writes anything for `seconds`; events queue up.
    public func stallWatches(seconds: Double) async throws {
        try await json("POST", "/_test/watch/stall", ["seconds": seconds])
    }

    /// The next `count` HTTPS requests matching the filters fail with `status` (500, 503, 429...).
    public func failNextRequests(
        _ count: Int = 1, status: Int = 500, pathContaining path: String? = nil, verb: String? = nil,
        method: String? = nil, retryAfter: Int? = nil
    ) async throws {
        var rule: [String: Any] = ["count": count, "status": status]
        if let path { rule["path"] = path }
        if let verb { rule["verb"] = verb }
        if let method { rule["method"] = method }
        if let retryAfter { rule["retryAfter"] = retryAfter }
        try await json("POST", "/_test/fail", rule)
    }

    /// The next `count` HTTPS requests matching the filters get exactly `body` with `status` and a
    /// closed connection: garbage, or (with `declaredLength` larger than the body) a truncated answer.
    public func answerNextRequests(
        _ count: Int = 1, with body: String, status: Int = 200, declaredLength: Int? = nil,
        pathContaining path: String? = nil, verb: String? = nil
    ) async throws {
        var rule: [String: Any] = ["count": count, "status": status, "body": body]
        if let declaredLength { rule["contentLength"] = declaredLength }
        if let path { rule["path"] = path }
        if let verb { rule["verb"] = verb }
        try await json("POST", "/_test/fail", rule)
    }

    /// Every resourceVersion older than the current one expires (watches from them get 410).
    public func compact() async throws {
        try await json("POST", "/_test/compact", [String: Any]())
    }

    /// Every later HTTPS request waits `seconds` first.
    public func setLatency(seconds: Double) async throws {
        try await json("POST", "/_test/latency", ["seconds": seconds])
    }

    /// Replaces `user`'s forbid rules (`VERB:RESOURCE`).
    public func forbid(user: String, rules: [String]) async throws {
        try await json("POST", "/_test/forbid", ["user": user, "rules": rules])
    }

    /// Removes fail rules, latency and stalls.
    public func resetFaults() async throws {
        try await json("POST", "/_test/reset", [String: Any]())
    }

    /// Deletes every object but namespace `default`.
    public func clear() async throws {
        try await json("POST", "/_test/clear", [String: Any]())
    }
}

import Foundation

/// A real Kubernetes control plane for tests: Debian's etcd and a kube-apiserver 1.20.2 built from
/// Debian's `kubernetes` source package by `scripts/kube-apiserver/build`, both on loopback, with
/// a generated CA and serving certificate, an admin bearer token, and RBAC. What the Python test
/// server only imitates (CRDs, status subresources, admission defaults, RBAC) is the real thing
/// here; the Python server stays for fault injection, which a real server cannot do. There is no
/// controller manager: no ServiceAccount token Secrets (use `serviceAccountToken`), no garbage
/// collection, and namespaces are never finalized. Stopped by `stop()` or when dropped.
public final class RealAPIServer: @unchecked Sendable {
    /// Where the build script caches the binaries (`KUBE_APISERVER_CACHE` overrides it, as for the script).
    public static var cacheDirectory: URL {
        URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["KUBE_APISERVER_CACHE"]
                ?? "/var/cache/portico/kube-apiserver-1.20.2")
    }
    public static var apiserverBinary: URL { cacheDirectory.appendingPathComponent("kube-apiserver") }
    public static var kubectlBinary: URL { cacheDirectory.appendingPathComponent("kubectl") }
    public static let etcdBinary = URL(fileURLWithPath: "/usr/bin/etcd")

    /// Why the control plane cannot start here, or nil when it can: a suite's skip message.
    public static var unavailableReason: String? {
        let missing = [etcdBinary, apiserverBinary, kubectlBinary].filter {
            !FileManager.default.isExecutableFile(atPath: $0.path)
        }
        guard !missing.isEmpty else { return nil }
        return "no real control plane: \(missing.map(\.path).joined(separator: ", ")) missing;"
            + " scripts/install-deps installs etcd-server and builds kube-apiserver (about 11 minutes, once)"
    }
    public static var isAvailable: Bool { unavailableReason == nil }

    /// The user the admin token authenticates as, in group `system:masters`.
    public static let adminUser = "portico-test-admin"
    /// The service account issuer and audience of the tokens `serviceAccountToken` asks for.
    public static let issuer = "https://kubernetes.default.svc.cluster.local"

    public let directory: TemporaryDirectory
    public let certificates: TestCertificates
    public let etcd: ChildProcess
    public let apiserver: ChildProcess
    public let port: Int
    /// `https://127.0.0.1:port`.
    public let url: URL
    public let adminToken: String
    /// A kubeconfig for the admin token, used by `kubectl(_:)`.
    public let kubeconfig: URL
    public var caFile: URL { certificates.caCertificate }

    /// Starts etcd, then kube-apiserver, and waits (up to `timeout` seconds) for `/readyz`.
    public init(timeout: TimeInterval = 120) throws {
        if let reason = Self.unavailableReason { throw TestSupportError(reason) }
        directory = try TemporaryDirectory("portico-kube")
        certificates = try TestCertificates.generate(in: directory.file("pki"))
        adminToken = "admin-\(UUID().uuidString)"
        let tokens = try directory.write("tokens.csv", "\(adminToken),\(Self.adminUser),\(Self.adminUser),\"system:masters\"\n")
        let signingKey = directory.file("pki/service-account.key")
        let verifyingKey = directory.file("pki/service-account.pub")
        try Self.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", signingKey.path])
        try Self.openssl(["pkey", "-in", signingKey.path, "-pubout", "-out", verifyingKey.path])

        let etcdPort = try Ports.free(), peerPort = try Ports.free()
        let etcd = try ChildProcess(
            Self.etcdBinary.path,
            [
                "--name", "portico-test", "--data-dir", directory.file("etcd").path,
                "--listen-client-urls", "http://127.0.0.1:\(etcdPort)",
                "--advertise-client-urls", "http://127.0.0.1:\(etcdPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-cluster", "portico-test=http://127.0.0.1:\(peerPort)",
                "--logger", "zap", "--log-level", "warn",
            ], name: "etcd", logDirectory: directory.url)
        self.etcd = etcd
        port = try Ports.free()
        guard let url = URL(string: "https://127.0.0.1:\(port)") else { throw TestSupportError("bad port \(port)") }
        self.url = url
        do {
            try Ports.waitUntilListening(etcdPort, timeout: 30, process: etcd)
            apiserver = try ChildProcess(
                Self.apiserverBinary.path,
                [
                    "--etcd-servers", "http://127.0.0.1:\(etcdPort)",
                    "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
                    "--secure-port", "\(port)", "--insecure-port", "0",
                    "--cert-dir", directory.file("apiserver-certs").path,
                    "--tls-cert-file", certificates.serverCertificate.path,
                    "--tls-private-key-file", certificates.serverKey.path,
                    "--client-ca-file", certificates.caCertificate.path,
                    "--token-auth-file", tokens.path,
                    "--authorization-mode", "RBAC",
                    "--service-account-issuer", Self.issuer,
                    "--service-account-key-file", verifyingKey.path,
                    "--service-account-signing-key-file", signingKey.path,
                    "--api-audiences", Self.issuer,
                    "--service-cluster-ip-range", "10.96.0.0/16",
                    // The `kubernetes` Service's Endpoints would be 127.0.0.1, which validation
                    // refuses (loopback), and nothing here needs them.
                    "--endpoint-reconciler-type", "none",
                    "--profiling=false", "--v", "1",
                ], name: "kube-apiserver", logDirectory: directory.url)
        } catch {
            etcd.stop()
            throw error
        }
        kubeconfig = directory.file("kubeconfig")
        do {
            try writeKubeconfig(to: kubeconfig, token: adminToken)
            try waitUntilReady(timeout: timeout)
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// The API server first (it holds etcd's connections), then etcd.
    public func stop() {
        apiserver.stop(grace: 10)
        etcd.stop(grace: 10)
    }

    /// The API server's log (klog, on stderr), for a failure message.
    public var log: String { apiserver.stderr }

    private func waitUntilReady(timeout: TimeInterval) throws {
        // Its own socket: not another program's that took the port after `Ports.free()`.
        try Ports.waitUntilListening(port, timeout: timeout, process: apiserver)
        var last = ""
        try eventuallyBlocking(
            timeout: .seconds(timeout), poll: .milliseconds(250),
            "kube-apiserver answers /readyz: last answer \(last); log: \(String(log.suffix(3000)))"
        ) {
            guard apiserver.isRunning else {
                throw TestSupportError("kube-apiserver exited (\(apiserver.process.terminationStatus)): \(String(log.suffix(3000)))")
            }
            guard etcd.isRunning else { throw TestSupportError("etcd exited: \(String(etcd.stderr.suffix(3000)))") }
            let answer = try request("GET", "/readyz")
            last = "\(answer.status) \(answer.text.prefix(300))"
            return answer.status == 200
        }
    }

    /// A kubeconfig for this server and its CA file, with `token` (the admin's by default).
    @discardableResult
    public func writeKubeconfig(to file: URL, token: String? = nil, namespace: String = "default") throws -> URL {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: portico-kube
              cluster:
                server: \(url.absoluteString)
                certificate-authority: \(caFile.path)
            users:
            - name: portico-kube
              user:
                token: \(token ?? adminToken)
            contexts:
            - name: portico-kube
              context:
                cluster: portico-kube
                user: portico-kube
                namespace: \(namespace)
            current-context: portico-kube

            """
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    // MARK: kubectl

    /// Runs the cached kubectl 1.20.2 against this server as the admin (or with `kubeconfig`);
    /// throws with kubectl's stderr unless it exits 0. `input` is its standard input (`-f -`).
    @discardableResult
    public func kubectl(_ arguments: [String], input: String? = nil, kubeconfig: URL? = nil, timeout: TimeInterval = 60)
        throws -> String
    {
        let result = try kubectlResult(arguments, input: input, kubeconfig: kubeconfig, timeout: timeout)
        guard result.status == 0 else {
            throw TestSupportError(
                "kubectl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }

    /// `kubectl(_:)` for a command expected to fail sometimes (`auth can-i` exits 1 for "no").
    public func kubectlResult(
        _ arguments: [String], input: String? = nil, kubeconfig: URL? = nil, timeout: TimeInterval = 60
    ) throws -> CommandResult {
        try runCommand(
            Self.kubectlBinary.path, ["--kubeconfig", (kubeconfig ?? self.kubeconfig).path] + arguments,
            input: input.map { Data($0.utf8) }, environment: ["HOME": directory.path, "PATH": "/usr/bin:/bin"],
            timeout: timeout)
    }

    /// `kubectl get -o json`, decoded.
    public func getJSON(_ arguments: [String]) throws -> [String: Any] {
        let text = try kubectl(["get"] + arguments + ["-o", "json"])
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestSupportError("kubectl get \(arguments.joined(separator: " ")): not a JSON object: \(text.prefix(300))")
        }
        return object
    }

    // MARK: Raw requests

    /// The answer to one raw request.
    public struct Answer: Sendable {
        public var status: Int
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }

        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestSupportError("status \(status): the answer is not a JSON object: \(text.prefix(300))")
            }
            return object
        }
    }

    /// One HTTPS request with curl and a bearer token (the admin's by default); any status is
    /// returned, not thrown. For what kubectl 1.20 cannot send: a TokenRequest, a raw status write.
    public func request(
        _ method: String, _ path: String, json body: Any? = nil, contentType: String = "application/json",
        token: String? = nil
    ) throws -> Answer {
        var arguments = [
            "-sS", "--max-time", "30", "--cacert", caFile.path, "-X", method,
            "-H", "Authorization: Bearer \(token ?? adminToken)", "-H", "Accept: application/json",
            "-o", "-", "-w", "\n%{http_code}",
        ]
        var input: Data?
        if let body {
            input = try JSONSerialization.data(withJSONObject: body)
            arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"]
        }
        let result = try runCommand("curl", arguments + [url.absoluteString + path], input: input, timeout: 40)
        guard result.status == 0, let newline = result.stdout.lastIndex(of: "\n"),
            let status = Int(result.stdout[result.stdout.index(after: newline)...])
        else { throw TestSupportError("curl \(method) \(path) failed (\(result.status)): \(result.stderr)") }
        return Answer(status: status, body: Data(result.stdout[..<newline].utf8))
    }

    /// A bound token for ServiceAccount `namespace/name` from the TokenRequest API (1.20 has no
    /// `kubectl create token`, and without a controller manager no token Secrets appear).
    public func serviceAccountToken(namespace: String, name: String, expirationSeconds: Int = 3600) throws -> String {
        let path = "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)/token"
        let answer = try request(
            "POST", path,
            json: [
                "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": ["audiences": [Self.issuer], "expirationSeconds": expirationSeconds],
            ])
        guard answer.status == 201, let status = try answer.json()["status"] as? [String: Any],
            let token = status["token"] as? String
        else { throw TestSupportError("TokenRequest for \(namespace)/\(name): status \(answer.status): \(answer.text)") }
        return token
    }

    // MARK: Gateway API

    /// `Tests/Support/gateway-api/`: the CRDs trimmed for a 1.20 server (see the README there).
    public static var gatewayAPIDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/gateway-api")
    }

    public static let gatewayAPICRDs = [
        "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io",
        "httproutes.gateway.networking.k8s.io", "referencegrants.gateway.networking.k8s.io",
    ]

    /// Applies the Gateway API CRDs and waits until each is Established and its resource is
    /// served (discovery may lag the condition by a moment).
    public func installGatewayAPI(timeout: TimeInterval = 60) throws {
        try kubectl(["apply", "-f", Self.gatewayAPIDirectory.path])
        try kubectl(
            ["wait", "--for", "condition=Established", "--timeout", "\(Int(timeout))s"]
                + Self.gatewayAPICRDs.map { "crd/\($0)" }, timeout: timeout + 10)
        var last = ""
        try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(200), "Gateway API resources served: \(last)") {
            let result = try kubectlResult(["get", Self.gatewayAPICRDs.map { $0.split(separator: ".")[0] }.joined(separator: ","), "-A"])
            last = result.stderr
            return result.status == 0
        }
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runCommand("openssl", arguments, timeout: 30)
        guard result.status == 0 else {
            throw TestSupportError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (status \(result.status)): \(result.stderr)")
        }
    }
}

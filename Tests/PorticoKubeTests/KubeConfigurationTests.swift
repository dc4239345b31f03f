import Foundation
import Testing
import TestSupport

@testable import PorticoKube

@Suite struct KubeConfigurationTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIBfake-ca\n-----END CERTIFICATE-----\n"
    static let certPEM = "-----BEGIN CERTIFICATE-----\nMIIBfake-client\n-----END CERTIFICATE-----\n"
    static let keyPEM = "-----BEGIN PRIVATE KEY-----\nMIIBfake-key\n-----END PRIVATE KEY-----\n"

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// A kubeconfig with two contexts: `dev` (current) and `prod`, with `user` as the dev user's body.
    static func kubeconfig(cluster: String, user: String, current: String = "dev") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: \(current)
        clusters:
        - name: dev-cluster
          cluster:
        \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        - name: prod-cluster
          cluster:
            server: https://prod.example:6443
            insecure-skip-tls-verify: true
        contexts:
        - name: dev
          context:
            cluster: dev-cluster
            user: dev-user
            namespace: team-a
        - name: prod
          context:
            cluster: prod-cluster
            user: prod-user
        users:
        - name: dev-user
          user:
        \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        - name: prod-user
          user:
            token: prod-token
        """
    }

    @Test func caFileRelativeToTheKubeconfigAndToken() throws {
        let dir = try TemporaryDirectory()
        try dir.write("certs/ca.crt", Self.caPEM)
        let path = try dir.write(
            "conf/config",
            Self.kubeconfig(
                cluster: "server: https://127.0.0.1:6443/\ncertificate-authority: ../certs/ca.crt",
                user: "token: abc123"))
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        #expect(config.server == "https://127.0.0.1:6443")
        #expect(config.namespace == "team-a")
        #expect(config.context == "dev")
        #expect(config.tls.trust == .caData(Data(Self.caPEM.utf8)))
        #expect(config.credentials.token == .fixed("abc123"))
        #expect(config.credentials.identity == nil)
    }

    @Test func inlineDataForCAAndClientCertificate() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config",
            Self.kubeconfig(
                cluster:
                    "server: https://10.0.0.1\ncertificate-authority-data: \(Self.base64(Self.caPEM))\ntls-server-name: kubernetes",
                user:
                    "client-certificate-data: \(Self.base64(Self.certPEM))\nclient-key-data: \(Self.base64(Self.keyPEM))"
            ))
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        #expect(config.tls.trust == .caData(Data(Self.caPEM.utf8)))
        #expect(config.tls.serverName == "kubernetes")
        #expect(
            config.credentials.identity
                == ClientIdentity(certificatePEM: Data(Self.certPEM.utf8), keyPEM: Data(Self.keyPEM.utf8)))
        #expect(config.credentials.token == nil)
    }

    @Test func clientCertificateFiles() throws {
        let dir = try TemporaryDirectory()
        try dir.write("client.crt", Self.certPEM)
        try dir.write("client.key", Self.keyPEM)
        let path = try dir.write(
            "config",
            Self.kubeconfig(
                cluster: "server: https://10.0.0.1",
                user: "client-certificate: client.crt\nclient-key: \(dir.path)/client.key"))
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        #expect(config.credentials.identity?.certificatePEM == Data(Self.certPEM.utf8))
        #expect(config.credentials.identity?.keyPEM == Data(Self.keyPEM.utf8))
        #expect(config.tls.trust == .system)
    }

    @Test func tokenFileIsReReadWhenItChanges() async throws {
        let dir = try TemporaryDirectory()
        try dir.write("token", "first\n")
        let path = try dir.write(
            "config", Self.kubeconfig(cluster: "server: https://10.0.0.1", user: "tokenFile: token"))
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        #expect(config.credentials.token == .file(dir.path + "/token"))
        let provider = CredentialProvider(config.credentials)
        #expect(try await provider.authorization().token == "first")
        // Replace it the way the kubelet does: write a new file and rename it over the old one.
        try dir.write("token.new", "second\n")
        _ = rename(dir.path + "/token.new", dir.path + "/token")
        #expect(try await provider.authorization().token == "second")
    }

    @Test func contextSelection() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config", Self.kubeconfig(cluster: "server: https://10.0.0.1", user: "token: dev-token"))
        let prod = try KubeConfiguration.fromKubeconfig(path: path.path, context: "prod", environment: [:])
        #expect(prod.server == "https://prod.example:6443")
        #expect(prod.tls.insecureSkipVerify)
        #expect(prod.credentials.token == .fixed("prod-token"))
        #expect(prod.namespace == "default")
        let dev = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        #expect(dev.credentials.token == .fixed("dev-token"))
    }

    @Test func kubeconfigEnvironmentListUsesTheFirstExistingFile() throws {
        let dir = try TemporaryDirectory()
        let second = try dir.write(
            "second", Self.kubeconfig(cluster: "server: https://second.example", user: "token: t"))
        let third = try dir.write(
            "third", Self.kubeconfig(cluster: "server: https://third.example", user: "token: t"))
        let env = ["KUBECONFIG": "\(dir.path)/missing:\(second.path):\(third.path)", "HOME": dir.path]
        #expect(try KubeConfiguration.fromKubeconfig(environment: env).server == "https://second.example")
        // Without KUBECONFIG: ~/.kube/config.
        try dir.write(
            ".kube/config", Self.kubeconfig(cluster: "server: https://home.example", user: "token: t"))
        #expect(
            try KubeConfiguration.fromKubeconfig(environment: ["HOME": dir.path]).server
                == "https://home.example")
    }

    @Test func noKubeconfigAnywhere() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.automatic(environment: ["HOME": dir.path])
        }
        #expect(error?.code == .noConfiguration)
        #expect(error?.description.contains("\(dir.path)/.kube/config") == true)
        #expect(error?.description.contains("--kubeconfig") == true)
    }

    @Test func missingContextNamesTheFileTheContextAndTheChoices() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config", Self.kubeconfig(cluster: "server: https://10.0.0.1", user: "token: t"))
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: path.path, context: "staging", environment: [:])
        }
        #expect(error?.code == .contextNotFound)
        #expect(error?.description.contains(path.path) == true)
        #expect(error?.description.contains("\"staging\"") == true)
        #expect(error?.description.contains("dev, prod") == true)
    }

    @Test func missingServerNamesTheField() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config", Self.kubeconfig(cluster: "insecure-skip-tls-verify: true", user: "token: t"))
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        }
        #expect(error?.code == .missingField)
        #expect(error?.field == "clusters[dev-cluster].cluster.server")
        #expect(error?.description.contains("https://") == true)
    }

    @Test func unreadableCAFileNamesTheFile() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config",
            Self.kubeconfig(
                cluster: "server: https://10.0.0.1\ncertificate-authority: nope/ca.crt", user: "token: t"))
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        }
        #expect(error?.code == .unreadableFile)
        #expect(error?.field == "clusters[dev-cluster].cluster.certificate-authority")
        #expect(error?.description.contains("\(dir.path)/nope/ca.crt") == true)
        #expect(error?.description.contains("No such file") == true)
    }

    @Test func noCurrentContext() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "config", Self.kubeconfig(cluster: "server: https://10.0.0.1", user: "token: t", current: "\"\""))
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        }
        #expect(error?.code == .noCurrentContext)
        #expect(error?.description.contains("--context") == true)
    }

    @Test func invalidYAMLAndBase64() throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write("bad", "clusters: [ {")
        #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: bad.path, environment: [:])
        }
        let path = try dir.write(
            "config",
            Self.kubeconfig(
                cluster: "server: https://10.0.0.1\ncertificate-authority-data: '!!!'", user: "token: t"))
        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        }
        #expect(error?.code == .invalidField)
    }

    @Test func inClusterConfiguration() async throws {
        let dir = try TemporaryDirectory()
        try dir.write("token", "sa-token\n")
        try dir.write("ca.crt", Self.caPEM)
        try dir.write("namespace", "ingress\n")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try KubeConfiguration.inCluster(environment: env, serviceAccountDirectory: dir.path)
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.namespace == "ingress")
        #expect(config.tls.trust == .caFile(dir.path + "/ca.crt"))
        #expect(try await CredentialProvider(config.credentials).authorization().token == "sa-token")

        let error = #expect(throws: KubeConfigError.self) {
            try KubeConfiguration.inCluster(environment: [:], serviceAccountDirectory: dir.path)
        }
        #expect(error?.code == .notInCluster)
        #expect(error?.description.contains("KUBERNETES_SERVICE_HOST") == true)
    }

    // MARK: exec credential plugins

    /// A plugin that counts its runs in `runs`, saves KUBERNETES_EXEC_INFO, and prints a token
    /// that expires `lifetime` seconds from now.
    static func execPlugin(in dir: TemporaryDirectory, lifetime: Int, apiVersion: String) throws -> URL {
        let script = try dir.write(
            "bin/credential-plugin",
            """
            #!/bin/sh
            echo run >> "$RUNS_FILE"
            n=$(wc -l < "$RUNS_FILE" | tr -d ' ')
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$RUNS_FILE.info"
            expiry=$(date -u -d "+\(lifetime) seconds" +%Y-%m-%dT%H:%M:%SZ)
            cat <<JSON
            {"apiVersion":"\(apiVersion)","kind":"ExecCredential",
             "status":{"token":"exec-token-$n-$1","expirationTimestamp":"$expiry"}}
            JSON
            """)
        chmod(script.path, 0o755)
        return script
    }

    static func execKubeconfig(in dir: TemporaryDirectory, apiVersion: String) throws -> URL {
        try dir.write(
            "config",
            Self.kubeconfig(
                cluster: "server: https://10.0.0.1",
                user: """
                    exec:
                      apiVersion: \(apiVersion)
                      command: ./bin/credential-plugin
                      args: [arg1]
                      env:
                      - name: RUNS_FILE
                        value: \(dir.path)/runs
                    """))
    }

    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func execPluginIsCachedUntilItExpiresOrIsRejected(apiVersion: String) async throws {
        let dir = try TemporaryDirectory()
        _ = try Self.execPlugin(in: dir, lifetime: 3600, apiVersion: apiVersion)
        let path = try Self.execKubeconfig(in: dir, apiVersion: apiVersion)
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        let provider = CredentialProvider(config.credentials)
        #expect(try await provider.authorization().token == "exec-token-1-arg1")
        #expect(try await provider.authorization().token == "exec-token-1-arg1")
        #expect(await provider.execRuns == 1)
        let info = try String(contentsOfFile: dir.path + "/runs.info", encoding: .utf8)
        #expect(info.contains("\"kind\":\"ExecCredential\"") && info.contains(apiVersion))
        #expect(info.contains("\"interactive\":false"))
        // A 401 makes the next request run it again.
        await provider.invalidate()
        #expect(try await provider.authorization().token == "exec-token-2-arg1")
        #expect(await provider.execRuns == 2)
    }

    @Test func execPluginIsReRunOnceItsCredentialExpires() async throws {
        let dir = try TemporaryDirectory()
        // Expires at once (within the one-second early refresh): every request runs it again.
        _ = try Self.execPlugin(in: dir, lifetime: 0, apiVersion: "client.authentication.k8s.io/v1")
        let path = try Self.execKubeconfig(in: dir, apiVersion: "client.authentication.k8s.io/v1")
        let provider = CredentialProvider(
            try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:]).credentials)
        #expect(try await provider.authorization().token == "exec-token-1-arg1")
        #expect(try await provider.authorization().token == "exec-token-2-arg1")
        #expect(await provider.execRuns == 2)
    }

    @Test func execPluginFailureCarriesItsStandardError() async throws {
        let dir = try TemporaryDirectory()
        let script = try dir.write("fail", "#!/bin/sh\necho 'please log in first' >&2\nexit 3\n")
        chmod(script.path, 0o755)
        let path = try dir.write(
            "config",
            Self.kubeconfig(
                cluster: "server: https://10.0.0.1",
                user:
                    "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: \(script.path)\n  installHint: install it"
            ))
        let config = try KubeConfiguration.fromKubeconfig(path: path.path, environment: [:])
        let error = await #expect(throws: KubeConfigError.self) {
            try await CredentialProvider(config.credentials).authorization()
        }
        #expect(error?.code == .execPluginFailed)
        #expect(error?.description.contains("status 3") == true)
        #expect(error?.description.contains("please log in first") == true)
    }

    @Test func hungExecPluginTimesOut() async throws {
        // No script file: a file just written can be "busy" for exec while a parallel test forks.
        let plugin = ExecPluginConfiguration(
            command: "/bin/sh", arguments: ["-c", "exec sleep 3600"], environment: [],
            apiVersion: "client.authentication.k8s.io/v1", source: "config", context: "dev")
        let started = ContinuousClock.now
        let error = await #expect(throws: KubeConfigError.self) {
            try await plugin.run(timeout: .milliseconds(500))
        }
        #expect(error?.code == .execPluginFailed)
        #expect(error?.description.contains("did not finish") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func execPluginGarbageOutput() throws {
        let plugin = ExecPluginConfiguration(
            command: "x", arguments: [], environment: [], apiVersion: "client.authentication.k8s.io/v1",
            source: "config", context: "dev")
        #expect(throws: KubeConfigError.self) { try plugin.parse(Data("not json".utf8)) }
        #expect(throws: KubeConfigError.self) {
            try plugin.parse(Data(#"{"kind":"ExecCredential","status":{}}"#.utf8))
        }
        let credential = try plugin.parse(
            Data(
                #"{"kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K","expirationTimestamp":"2030-01-01T00:00:00.5Z"}}"#
                    .utf8))
        #expect(credential.identity == ClientIdentity(certificatePEM: Data("C".utf8), keyPEM: Data("K".utf8)))
        #expect(credential.expiry != nil)
    }
}

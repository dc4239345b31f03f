import Foundation
import Yams

/// Where the API server is and how to authenticate to it: from a kubeconfig or from the
/// in-cluster service account.
public struct KubeConfiguration: Sendable {
    /// `https://10.0.0.1:443`, without a trailing slash.
    public var server: String
    /// The context's namespace, the service account's namespace, or `default`.
    public var namespace: String
    /// The kubeconfig path or `in-cluster`: names the configuration in errors.
    public var source: String
    /// The kubeconfig context used, if any.
    public var context: String?

    var tls: TLSSettings
    var credentials: Credentials

    /// Keep connections open between requests (the default). Off only for test servers that
    /// answer reused connections late.
    package var reuseConnections: Bool {
        get { tls.reuseConnections }
        set { tls.reuseConnections = newValue }
    }

    /// How requests authenticate; a token and a client certificate may both be present.
    struct Credentials: Sendable {
        enum TokenSource: Sendable, Equatable {
            case fixed(String)
            /// Re-read when it changes (bound service account tokens rotate) and after a 401.
            case file(String)
            case exec(ExecPluginConfiguration)
        }
        var token: TokenSource?
        var identity: ClientIdentity?
    }

    /// The default service account mount.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration a pod gets: `KUBERNETES_SERVICE_HOST`/`_PORT` and the service account's
    /// `token`, `ca.crt` and `namespace` files.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = serviceAccountDirectory
    ) throws(KubeConfigError) -> KubeConfiguration {
        let source = "in-cluster"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError(
                .notInCluster, source: source, field: "KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT",
                reason: "not set, so this is not running in a pod",
                hint: "pass --kubeconfig or set KUBECONFIG to reach a cluster from outside")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        let caPath = serviceAccountDirectory + "/ca.crt"
        for path in [tokenPath, caPath] where !FileManager.default.isReadableFile(atPath: path) {
            throw KubeConfigError(
                .notInCluster, source: source, field: path, reason: "cannot be read",
                hint: "mount the service account token (automountServiceAccountToken: true in rc.yaml)")
        }
        let namespace =
            (try? String(contentsOfFile: serviceAccountDirectory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hostPart = host.contains(":") ? "[\(host)]" : host  // IPv6
        return KubeConfiguration(
            server: "https://\(hostPart):\(port)",
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            source: source, context: nil, tls: TLSSettings(trust: .caFile(caPath)),
            credentials: Credentials(token: .file(tokenPath)))
    }

    /// Reads a kubeconfig: `path` if given, else the first existing file of `$KUBECONFIG` (a
    /// colon-separated list), else `~/.kube/config`. Uses `context`, or the file's current-context.
    /// Relative paths inside the file are relative to the file's directory.
    public static func fromKubeconfig(
        path: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> KubeConfiguration {
        let file = try locateKubeconfig(path: path, environment: environment)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw KubeConfigError(
                .unreadableFile, source: file, reason: "cannot be read (\(reason(error)))",
                hint: "check the path and its permissions")
        }
        return try parse(data, path: file, context: context)
    }

    /// What `portico render --from-cluster` uses: an explicit kubeconfig, else `$KUBECONFIG` or
    /// `~/.kube/config` when one exists, else the in-cluster service account.
    public static func automatic(
        kubeconfig: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(KubeConfigError) -> KubeConfiguration {
        if kubeconfig != nil || context != nil {
            return try fromKubeconfig(path: kubeconfig, context: context, environment: environment)
        }
        do {
            return try fromKubeconfig(environment: environment)
        } catch let error where error.code == .noConfiguration {
            if environment["KUBERNETES_SERVICE_HOST"] != nil {
                return try inCluster(environment: environment)
            }
            throw error
        }
    }

    static func locateKubeconfig(path: String?, environment: [String: String]) throws(KubeConfigError)
        -> String
    {
        if let path { return path }
        var tried: [String] = []
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            for candidate in list.split(separator: ":").map(String.init) where !candidate.isEmpty {
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
                tried.append(candidate)
            }
        } else if let home = environment["HOME"] ?? ProcessInfo.processInfo.environment["HOME"] {
            let candidate = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            tried.append(candidate)
        }
        throw KubeConfigError(
            .noConfiguration, source: tried.isEmpty ? "kubeconfig" : tried.joined(separator: ", "),
            reason: "no kubeconfig file exists",
            hint: "pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster")
    }

    /// Parses kubeconfig text read from `path` (used to resolve relative paths and in errors).
    static func parse(_ data: Data, path: String, context requested: String?) throws(KubeConfigError)
        -> KubeConfiguration
    {
        let document: KubeconfigDocument
        do {
            document = try YAMLDecoder().decode(KubeconfigDocument.self, from: data)
        } catch {
            throw KubeConfigError(
                .invalidKubeconfig, source: path, reason: "not a valid kubeconfig (\(reason(error)))",
                hint: "check it with `kubectl config view --kubeconfig \(path)`")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : directory + "/" + file
        }

        guard let contextName = requested ?? document.currentContext.flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw KubeConfigError(
                .noCurrentContext, source: path, field: "current-context", reason: "is not set",
                hint: "pass --context NAME or run `kubectl config use-context NAME`")
        }
        let contextNames = (document.contexts ?? []).map(\.name)
        guard let contextEntry = document.contexts?.first(where: { $0.name == contextName }) else {
            throw KubeConfigError(
                .contextNotFound, source: path, context: contextName,
                reason: "no such context in contexts[]",
                hint: contextNames.isEmpty
                    ? "the file defines no contexts"
                    : "use one of: \(contextNames.joined(separator: ", "))")
        }
        let context = contextEntry.value ?? KubeconfigDocument.Context()
        guard let clusterName = context.cluster, !clusterName.isEmpty else {
            throw KubeConfigError(
                .missingField, source: path, context: contextName,
                field: "contexts[\(contextName)].context.cluster",
                reason: "is missing", hint: "name the cluster this context uses")
        }
        guard let clusterEntry = document.clusters?.first(where: { $0.name == clusterName }) else {
            throw KubeConfigError(
                .clusterNotFound, source: path, context: contextName, field: "clusters[\(clusterName)]",
                reason: "no such cluster", hint: "add it or fix contexts[\(contextName)].context.cluster")
        }
        let cluster = clusterEntry.value ?? KubeconfigDocument.Cluster()
        let clusterField = "clusters[\(clusterName)].cluster"
        guard var server = cluster.server?.trimmingCharacters(in: .whitespaces), !server.isEmpty else {
            throw KubeConfigError(
                .missingField, source: path, context: contextName, field: "\(clusterField).server",
                reason: "is missing", hint: "set it to the API server URL, e.g. https://127.0.0.1:6443")
        }
        while server.hasSuffix("/") { server.removeLast() }
        guard let url = URLComponents(string: server), url.scheme == "https" || url.scheme == "http",
            url.host != nil
        else {
            throw KubeConfigError(
                .invalidField, source: path, context: contextName, field: "\(clusterField).server",
                reason: "\"\(server)\" is not an http(s) URL", hint: "set it to e.g. https://127.0.0.1:6443")
        }

        var tls = TLSSettings()
        tls.insecureSkipVerify = cluster.insecureSkipTLSVerify ?? false
        tls.serverName = cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 }
        if let data = cluster.certificateAuthorityData, !data.isEmpty {
            tls.trust = .caData(
                try decodeBase64(
                    data, source: path, context: contextName,
                    field: "\(clusterField).certificate-authority-data"))
        } else if let file = cluster.certificateAuthority, !file.isEmpty {
            let resolved = resolve(file)
            // Read it now so that a wrong path is reported here, naming the field, not as a TLS failure later.
            tls.trust = .caData(
                try readFile(
                    resolved, source: path, context: contextName,
                    field: "\(clusterField).certificate-authority",
                    hint:
                        "fix the path (relative paths are relative to the kubeconfig's directory) or use certificate-authority-data"
                ))
        }

        var credentials = Credentials()
        if let userName = context.user, !userName.isEmpty {
            guard let userEntry = document.users?.first(where: { $0.name == userName }) else {
                throw KubeConfigError(
                    .userNotFound, source: path, context: contextName, field: "users[\(userName)]",
                    reason: "no such user", hint: "add it or fix contexts[\(contextName)].context.user")
            }
            credentials = try userCredentials(
                userEntry.value ?? KubeconfigDocument.User(), field: "users[\(userName)].user", path: path,
                context: contextName, server: server, resolve: resolve)
        }

        return KubeConfiguration(
            server: server, namespace: context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            source: path, context: contextName, tls: tls, credentials: credentials)
    }

    private static func userCredentials(
        _ user: KubeconfigDocument.User, field: String, path: String, context: String, server: String,
        resolve: (String) -> String
    ) throws(KubeConfigError) -> Credentials {
        var credentials = Credentials()
        func pem(data: String?, file: String?, name: String) throws(KubeConfigError) -> Data? {
            if let data, !data.isEmpty {
                return try decodeBase64(data, source: path, context: context, field: "\(field).\(name)-data")
            }
            if let file, !file.isEmpty {
                return try readFile(
                    resolve(file), source: path, context: context, field: "\(field).\(name)",
                    hint:
                        "fix the path (relative paths are relative to the kubeconfig's directory) or use \(name)-data"
                )
            }
            return nil
        }
        let certificate = try pem(
            data: user.clientCertificateData, file: user.clientCertificate, name: "client-certificate")
        let key = try pem(data: user.clientKeyData, file: user.clientKey, name: "client-key")
        switch (certificate, key) {
        case (let certificate?, let key?):
            credentials.identity = ClientIdentity(certificatePEM: certificate, keyPEM: key)
        case (nil, nil): break
        case (nil, _):
            throw KubeConfigError(
                .missingField, source: path, context: context, field: "\(field).client-certificate(-data)",
                reason: "is missing while client-key is set", hint: "set both or neither")
        case (_, nil):
            throw KubeConfigError(
                .missingField, source: path, context: context, field: "\(field).client-key(-data)",
                reason: "is missing while client-certificate is set", hint: "set both or neither")
        }

        if let token = user.token, !token.isEmpty {
            credentials.token = .fixed(token)
        } else if let file = user.tokenFile, !file.isEmpty {
            let resolved = resolve(file)
            _ = try readFile(
                resolved, source: path, context: context, field: "\(field).tokenFile",
                hint: "fix the path or use token")
            credentials.token = .file(resolved)
        } else if let exec = user.exec {
            guard let command = exec.command, !command.isEmpty else {
                throw KubeConfigError(
                    .missingField, source: path, context: context, field: "\(field).exec.command",
                    reason: "is missing", hint: "name the credential plugin to run")
            }
            let apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1"
            guard ExecPluginConfiguration.supportedAPIVersions.contains(apiVersion) else {
                throw KubeConfigError(
                    .unsupportedAuthentication, source: path, context: context,
                    field: "\(field).exec.apiVersion",
                    reason: "\(apiVersion) is not supported",
                    hint: "use client.authentication.k8s.io/v1 or v1beta1")
            }
            // Like kubectl: a command with a slash but not absolute is relative to the kubeconfig.
            let resolvedCommand = command.contains("/") ? resolve(command) : command
            credentials.token = .exec(
                ExecPluginConfiguration(
                    command: resolvedCommand, arguments: exec.args ?? [],
                    environment: (exec.env ?? []).map { ($0.name, $0.value) }, apiVersion: apiVersion,
                    installHint: exec.installHint, server: exec.provideClusterInfo == true ? server : nil,
                    source: path, context: context))
        } else if let provider = user.authProvider {
            throw KubeConfigError(
                .unsupportedAuthentication, source: path, context: context, field: "\(field).auth-provider",
                reason: "auth-provider \"\(provider.name ?? "?")\" is not supported",
                hint: "use an exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin) instead")
        } else if user.username != nil, credentials.identity == nil {
            throw KubeConfigError(
                .unsupportedAuthentication, source: path, context: context, field: "\(field).username",
                reason: "basic authentication is not supported", hint: "use a token or a client certificate")
        }
        return credentials
    }

    private static func decodeBase64(_ text: String, source: String, context: String, field: String)
        throws(KubeConfigError) -> Data
    {
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw KubeConfigError(
                .invalidField, source: source, context: context, field: field, reason: "is not base64",
                hint: "encode the PEM file with `base64 -w0`")
        }
        return data
    }

    private static func readFile(_ file: String, source: String, context: String, field: String, hint: String)
        throws(KubeConfigError) -> Data
    {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw KubeConfigError(
                .unreadableFile, source: source, context: context, field: field,
                reason: "cannot read \(file) (\(reason(error)))", hint: hint)
        }
    }

    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey]
        if let posix = underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let posix = underlying as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if let decoding = error as? DecodingError {
            switch decoding {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c),
                .dataCorrupted(let c):
                let path = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(
                    separator: ".")
                return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
            @unknown default: break
            }
        }
        if let yaml = error as? YamlError { return "\(yaml)" }
        return (error as NSError).localizedDescription
    }
}

import Foundation

/// The bearer token and client certificate for the next request. Never caches a token for the
/// process lifetime: a token file is re-read when it changes (or a minute after the last read),
/// an exec plugin is re-run when its credential expires; after a 401 both are refreshed at once.
actor CredentialProvider {
    struct Authorization: Sendable {
        var token: String?
        var identity: ClientIdentity?
    }

    private let credentials: KubeConfiguration.Credentials
    private var fileToken: (token: String, signature: FileSignature, readAt: ContinuousClock.Instant)?
    private var execCredential: ExecPluginConfiguration.Credential?
    private var execWaiters:
        [CheckedContinuation<Result<ExecPluginConfiguration.Credential, KubeConfigError>, Never>] = []
    private var execRunning = false
    /// How many times the exec plugin ran; for tests.
    private(set) var execRuns = 0

    static let tokenFileMaxAge: Duration = .seconds(60)

    init(_ credentials: KubeConfiguration.Credentials) {
        self.credentials = credentials
    }

    func authorization() async throws(KubeConfigError) -> Authorization {
        switch credentials.token {
        case nil:
            return Authorization(identity: credentials.identity)
        case .fixed(let token):
            return Authorization(token: token, identity: credentials.identity)
        case .file(let path):
            return Authorization(token: try tokenFromFile(path), identity: credentials.identity)
        case .exec(let plugin):
            let credential = try await execCredential(plugin)
            return Authorization(
                token: credential.token, identity: credential.identity ?? credentials.identity)
        }
    }

    /// The server rejected the credentials (401): read or fetch them again on the next request.
    func invalidate() {
        fileToken = nil
        execCredential = nil
    }

    private func tokenFromFile(_ path: String) throws(KubeConfigError) -> String {
        let signature = FileSignature(path: path)
        if let cached = fileToken, cached.signature == signature, signature != nil,
            ContinuousClock.now - cached.readAt < Self.tokenFileMaxAge
        {
            return cached.token
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubeConfigError(
                .unreadableFile, source: path, field: "token file",
                reason: "cannot be read (\(KubeConfiguration.reason(error)))",
                hint: "check the service account token mount or the kubeconfig's tokenFile")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let signature { fileToken = (token, signature, .now) }
        return token
    }

    private func execCredential(_ plugin: ExecPluginConfiguration) async throws(KubeConfigError)
        -> ExecPluginConfiguration.Credential
    {
        // Refresh a little early so that a request does not carry a token that expires in flight.
        if let cached = execCredential, cached.expiry.map({ $0.timeIntervalSinceNow > 1 }) ?? true {
            return cached
        }
        if execRunning {
            // Another request is already running the plugin; share its result.
            return try await withCheckedContinuation { execWaiters.append($0) }.get()
        }
        execRunning = true
        execRuns += 1
        let result: Result<ExecPluginConfiguration.Credential, KubeConfigError>
        do {
            result = .success(try await plugin.run())
        } catch {
            result = .failure(error)
        }
        execRunning = false
        if case .success(let credential) = result { execCredential = credential }
        for waiter in execWaiters { waiter.resume(returning: result) }
        execWaiters.removeAll()
        return try result.get()
    }
}

/// Identifies a file's content version cheaply: projected service account tokens are replaced by
/// an atomic symlink swap, which changes the inode and the modification time.
struct FileSignature: Equatable {
    var inode: UInt64
    var modified: Int
    var modifiedNanoseconds: Int
    var size: Int64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        modified = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
        size = Int64(info.st_size)
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The files nginx reads for TLS, under its prefix: certificates (chain and key in one PEM, named by
/// their content), the default certificate and the session ticket key; and the htpasswd files of
/// basic authentication (`auth/`), which the workers read at each request the same way. Each is written whole or not
/// at all (`ConfigFileWriter`), mode 0600. nginx's workers read certificates at each
/// handshake, so when Portico runs as root the files belong to the workers' user; nobody else can
/// read them.
public struct TLSFiles: Sendable {
    /// nginx's prefix directory; paths are relative to it (`tls/ab12....pem`).
    public let prefix: String
    /// Owner for the files when running as root: nginx's worker user (nginx's default: nobody).
    public let owner: (uid: uid_t, gid: gid_t)?

    public init(prefix: String, workerUser: String?) {
        self.prefix = prefix
        if geteuid() == 0, let entry = getpwnam(workerUser ?? "nobody") {
            owner = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        } else {
            owner = nil
        }
    }

    /// Writes `contents` to `path` unless the file already holds exactly that.
    public func write(_ path: String, _ contents: [UInt8]) throws(NginxError) {
        let full = "\(prefix)/\(path)"
        if let existing = FileManager.default.contents(atPath: full), [UInt8](existing) == contents { return }
        let directory = (full as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw NginxError(.writeFailed, "cannot create \(directory): \(error.localizedDescription)")
        }
        let file = try ConfigFileWriter(path: full, mode: 0o600, owner: owner)
        file.write(bytes: contents)
        try file.commit()
    }

    /// Removes the certificate files under `tls/` that no live config names (`keeping`).
    public func removeUnused(keeping: Set<String>) {
        removeUnused(keeping: keeping, in: "tls", suffix: ".pem")
    }

    /// Removes the files `DIRECTORY/*SUFFIX` (`auth/*.htpasswd`) that no live config names.
    public func removeUnused(keeping: Set<String>, in directory: String, suffix: String) {
        let full = "\(prefix)/\(directory)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else { return }
        for name in names where name.hasSuffix(suffix) && !keeping.contains("\(directory)/\(name)") {
            unlink("\(full)/\(name)")
        }
    }

    /// 80 random bytes for `ssl_session_ticket_key`, written once: a key kept across reloads lets
    /// returning clients resume their sessions.
    public func ensureTicketKey(_ path: String) throws(NginxError) {
        guard !FileManager.default.fileExists(atPath: "\(prefix)/\(path)") else { return }
        var generator = SystemRandomNumberGenerator()
        try write(path, (0..<80).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

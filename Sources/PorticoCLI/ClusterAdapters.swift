import Foundation
import PorticoController
import PorticoKube
import PorticoModel
import PorticoNginx
import PorticoRender
import PorticoRouting

/// The Kubernetes client's watch cache as the controller's `ClusterSource`.
struct WatcherSource: ClusterSource {
    let watcher: ClusterWatcher

    func snapshot() async throws -> ClusterState { watcher.snapshot() }

    func changes() -> AsyncStream<Void> {
        let box = IteratorBox(watcher.changes.makeAsyncIterator())
        return AsyncStream(unfolding: { await box.next() })
    }

    /// Holds the change iterator for the stream's single consumer.
    final class IteratorBox: @unchecked Sendable {
        var iterator: ClusterChanges.AsyncIterator
        init(_ iterator: ClusterChanges.AsyncIterator) { self.iterator = iterator }
        func next() async -> Void? { await iterator.next().map { _ in () } }
    }
}

/// nginx as the controller's `ConfigSink`. nginx -t, reload and confirmation block for a while, so
/// they run on a dispatch queue rather than on Swift concurrency's few cooperative threads. The
/// first start goes through the supervisor, which restarts an nginx that dies before it serves.
struct NginxSink: ConfigSink {
    let applier: NginxApplier
    let supervisor: NginxSupervisor
    /// With HTTPS: where each config's certificate files go, before the config that names them.
    var tlsFiles: TLSFiles? = nil
    /// Certificate files no config names but that stay (the default certificate).
    var keptFiles: Set<String> = []
    /// Where each config's htpasswd files go (basic authentication), before the config that names them.
    var authFiles: TLSFiles? = nil
    let queue = DispatchQueue(label: "portico.nginx")
    /// The certificate files written (and not removed since): a file is named by its content, so
    /// one written once need not be read back and compared at every reload (10,000 reads at
    /// 10,000 certificates). Used on `queue` only.
    private let certificatesWritten = WrittenFiles()

    final class WrittenFiles: @unchecked Sendable {
        var paths: Set<String> = []
    }

    func start(config: ConfigText, generation: Int) async throws {
        try await onQueue {
            try writeCertificates(config)
            var written: ConfigFileWriter?
            try Self.renderingAgainIfReusedTextChanged {
                try applier.writeFirstConfig { file in
                    written = file
                    var out = FileOutput(file: file)
                    try config.write(to: &out)
                }
            }
            handOver(config, written)
        }
        try await supervisor.start { try await onQueue { try applier.startWritten(generation: generation) } }
    }

    func apply(config: ConfigText, generation: Int) async throws {
        try await onQueue {
            try writeCertificates(config)
            var written: ConfigFileWriter?
            try Self.renderingAgainIfReusedTextChanged {
                try applier.apply(generation: generation) { file in
                    written = file
                    var out = FileOutput(file: file)
                    try config.write(to: &out)
                }
            }
            handOver(config, written)
            // The new config serves: what only older configs named can go.
            let keeping = keptFiles.union(config.certificates.map(\.path))
            tlsFiles?.removeUnused(keeping: keeping)
            // htpasswd files, authorities (client certificates', backends'), client certificates for backends
            for suffix in [".htpasswd", ".ca.pem", ".client.pem"] {
                authFiles?.removeUnused(keeping: Set(config.authFiles.map(\.path)), in: "auth", suffix: suffix)
            }
            certificatesWritten.paths.formIntersection(keeping.union(config.authFiles.map(\.path)))
        }
    }

    /// The renderer copies the text of unchanged hosts from the file nginx loaded, rather than
    /// keeping a copy of it.
    private func handOver(_ config: ConfigText, _ writer: ConfigFileWriter?) {
        guard let file = writer?.committedFile else { return }
        config.wrote(into: WrittenConfig(file: file))
    }

    /// The file the renderer copied unchanged hosts' text from changed on disk while it was copied
    /// (someone wrote to it): that render is thrown away, and the next renders every host.
    private static func renderingAgainIfReusedTextChanged(_ write: () throws -> Void) throws {
        do {
            try write()
        } catch let error as TemplateError where error.isChangedOutput {
            try write()
        }
    }

    private func writeCertificates(_ config: ConfigText) throws {
        if let tlsFiles {
            for file in config.certificates where !certificatesWritten.paths.contains(file.path) {
                try tlsFiles.write(file.path, Array(file.pem.utf8))
                certificatesWritten.paths.insert(file.path)
            }
        }
        // Named by their content too: written once.
        if let authFiles {
            for file in config.authFiles where !certificatesWritten.paths.contains(file.path) {
                try authFiles.write(file.path, Array(file.content.utf8))
                certificatesWritten.paths.insert(file.path)
            }
        }
    }

    private func onQueue(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}

/// A config file as written, for the render cache: as written for as long as the file system's
/// stamp of it is the one it had when it was handed over (after Portico's own renames).
package final class WrittenConfig: RenderedOutput {
    let file: CommittedFile
    private let stamp: CommittedFile.Stamp?

    package init(file: CommittedFile) {
        self.file = file
        stamp = file.stamp()
    }

    package var count: Int { file.count }
    package func isUnchanged() -> Bool { stamp != nil && file.stamp() == stamp }
    package func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool { file.read(at: offset, into: buffer) }
}

/// The config file as the renderer's output: text a render cache reuses goes in as bytes, or
/// straight from the file it was written into last time.
package final class FileOutput: UTF8OutputStream {
    let file: ConfigFileWriter
    package init(file: ConfigFileWriter) { self.file = file }
    package func write(_ string: String) { file.write(string) }
    package func write(utf8: UnsafeBufferPointer<UInt8>) { file.write(utf8: utf8) }

    package func write(_ output: any RenderedOutput, offset: Int, count: Int) -> Bool {
        guard let written = output as? WrittenConfig else { return false }
        file.write(written.file, offset: offset, count: count)
        return true
    }
}

extension RoutingOptions {
    /// The ConfigMaps `portico run` watches: the TCP and UDP services' and the global one.
    var watchedConfigMaps: [ConfigMapName] {
        streams.watched + [globalConfigMap].compactMap { $0.map { ConfigMapName(namespace: $0.namespace, name: $0.name) } }
    }
}

extension StreamOptions {
    /// The ConfigMaps `portico run` watches for them.
    var watched: [ConfigMapName] {
        [tcpServices, udpServices].compactMap { $0.map { ConfigMapName(namespace: $0.namespace, name: $0.name) } }
    }
}

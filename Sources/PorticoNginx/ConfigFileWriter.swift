import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A buffered stream into a file that appears whole or not at all: text goes to a temporary file in
/// the same directory; `commit()` fsyncs it, renames it over `path` and fsyncs the directory. A
/// writer dropped without `commit()` removes its temporary file. Memory stays at one 64 KiB buffer
/// however large the file.
public final class ConfigFileWriter: TextOutputStream {
    public let path: String
    let temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far.
    private var size = 0
    /// After `commit()`: the file as written, readable for as long as it is kept, whatever it is
    /// renamed to.
    public private(set) var committedFile: CommittedFile?
    /// The first write error (errno); later writes are dropped and `commit()` reports it.
    private var writeError: Int32?
    private static let bufferSize = 1 << 16

    /// `mode` and `owner` are the file's from the start (0600 and nginx's worker user for a key,
    /// so that it is never readable by anyone else, not even for a moment).
    public init(path: String, mode: mode_t = 0o644, owner: (uid: uid_t, gid: gid_t)? = nil) throws(NginxError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        temporaryPath = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Self.failure("cannot create \(temporaryPath)", errno) }
        if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
            let error = errno
            discard()
            throw Self.failure("cannot give \(temporaryPath) to uid \(owner.uid)", error)
        }
        buffer.reserveCapacity(Self.bufferSize)
    }

    /// Raw bytes (a key file), buffered like text.
    public func write(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// UTF-8 text as it is.
    public func write(utf8: UnsafeBufferPointer<UInt8>) { append(utf8) }

    /// `count` bytes of `file` from `offset`, copied by the kernel (`sendfile`) without passing
    /// through memory: the text of unchanged hosts, from the config written last time. A file
    /// shorter than that (changed behind Portico's back) is a write error, reported by `commit()`.
    public func write(_ file: CommittedFile, offset: Int, count: Int) {
        guard writeError == nil, count > 0 else { return }
        flush()
        size += count
        var from = offset
        let end = offset + count
        while from < end, writeError == nil {
            let copied = sendfile(fd, file.descriptor, &from, end - from)
            if copied < 0, errno == EINTR { continue }
            if copied < 0 {
                writeError = errno
            } else if copied == 0 {
                writeError = EIO
            }
        }
    }

    deinit { discard() }

    public func write(_ string: String) {
        var string = string
        string.withUTF8 { append($0) }
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard writeError == nil else { return }
        size += bytes.count
        if buffer.count + bytes.count > Self.bufferSize { flush() }
        if bytes.count >= Self.bufferSize {
            writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBufferPointer { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard writeError == nil, let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                writeError = errno
                return
            }
            offset += written
        }
    }

    /// Makes the file at `path` the text written so far.
    public func commit() throws(NginxError) {
        guard fd >= 0 else { throw NginxError(.writeFailed, "\(temporaryPath) was already committed or discarded") }
        flush()
        if let writeError {
            discard()
            throw Self.failure("cannot write \(temporaryPath)", writeError)
        }
        if fsync(fd) != 0 {
            let error = errno
            discard()
            throw Self.failure("cannot write \(temporaryPath)", error)
        }
        close(fd)
        fd = -1
        // Read-only: a descriptor open for writing would keep the file system from being made
        // read-only (`mount -o remount,ro`: busy).
        let reader = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        if reader >= 0 { committedFile = CommittedFile(descriptor: reader, count: size) }
        guard rename(temporaryPath, path) == 0 else {
            committedFile = nil
            let e = Self.failure("cannot rename \(temporaryPath) to \(path)", errno)
            unlink(temporaryPath)
            throw e
        }
        let directory = (path as NSString).deletingLastPathComponent
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    /// Abandons the text written so far; `path` keeps its old content.
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    private static func failure(_ what: String, _ error: Int32) -> NginxError {
        NginxError(.writeFailed, "\(what): \(String(cString: strerror(error)))")
    }
}

/// A file as a `ConfigFileWriter` committed it, through a descriptor of its own: the same bytes
/// whatever the file is renamed to (nginx.conf, nginx.conf.refused) or replaced by.
public final class CommittedFile: Sendable {
    fileprivate let descriptor: Int32
    /// Its length as written.
    public let count: Int

    init(descriptor: Int32, count: Int) {
        self.descriptor = descriptor
        self.count = count
    }

    deinit { close(descriptor) }

    /// What the file system says of the file now: equal stamps mean nothing wrote to it, truncated
    /// it or changed its metadata in between (its change time moves with any of those, and no
    /// program can set it back). Nil when it cannot be read.
    public func stamp() -> Stamp? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return Stamp(
            size: Int64(status.st_size), modified: (status.st_mtim.tv_sec, status.st_mtim.tv_nsec),
            changed: (status.st_ctim.tv_sec, status.st_ctim.tv_nsec))
    }

    public struct Stamp: Equatable, Sendable {
        let size: Int64
        let modified: (seconds: Int, nanoseconds: Int)
        let changed: (seconds: Int, nanoseconds: Int)

        public static func == (a: Stamp, b: Stamp) -> Bool {
            a.size == b.size && a.modified == b.modified && a.changed == b.changed
        }
    }

    /// Fills `buffer` with the bytes from `offset`; false when the file holds fewer.
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}

/// The C library's `write`, which the stream's own `write(_:)` hides inside the class.
private func systemWrite(_ fd: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(fd, bytes, count)
}

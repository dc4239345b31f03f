import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes files so that a reader sees the old content or the new, never a mix: a temporary file in
/// the same directory, fsync, rename, then fsync of the directory.
public enum ConfigFile {
    public static func writeAtomically(_ text: String, to path: String) throws(NginxError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var ok = true
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            let count = buffer.count
            while offset < count {
                let written = buffer.baseAddress.map { write(fd, $0 + offset, count - offset) } ?? -1
                if written < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += written
            }
        }
        let error = errno
        if !ok || fsync(fd) != 0 {
            close(fd)
            unlink(temporary)
            errno = error
            throw failure("cannot write \(temporary)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = failure("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw e
        }
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    private static func failure(_ what: String) -> NginxError {
        NginxError(.writeFailed, "\(what): \(String(cString: strerror(errno)))")
    }
}

import Foundation
import PorticoModel

#if canImport(Glibc)
    import Glibc
#endif

/// Reads manifests from files, directories (recursively: `*.yaml`, `*.yml`, `*.json`, hidden entries
/// skipped, in name order) and standard input (`-`).
enum ManifestFiles {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    static let extensions: Set<String> = ["yaml", "yml", "json"]

    static func read(_ paths: [String], standardInput: () throws -> Data) throws -> [KubeObject] {
        var objects: [KubeObject] = []
        for path in paths {
            if path == "-" {
                objects += try decode(standardInput(), source: "<stdin>")
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ReadError(description: "\(path): no such file or directory")
            }
            if isDirectory.boolValue {
                for file in try files(under: path) {
                    objects += try decode(contents(of: file), source: file)
                }
            } else {
                objects += try decode(contents(of: path), source: path)
            }
        }
        return objects
    }

    static func files(under directory: String) throws -> [String] {
        let base = URL(fileURLWithPath: directory)
        guard
            let walker = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else {
            throw ReadError(description: "\(directory): cannot list directory")
        }
        var found: [String] = []
        for case let url as URL in walker {
            guard extensions.contains(url.pathExtension.lowercased()),
                (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
            else { continue }
            // Keep the path as the user spelled the directory, for messages.
            let relative = url.path.dropFirst(base.path.count)
            found.append(directory.hasSuffix("/") ? directory + relative.drop(while: { $0 == "/" }) : directory + relative)
        }
        return found.sorted()
    }

    /// A cluster's manifests are tens of megabytes; a file far larger is a mistake (`-f /dev/zero`).
    static let maxBytes = 1 << 30

    /// Reads a whole file: a regular file, or a pipe, as `-f <(kubectl get ing,svc -A -o yaml)` gives.
    static func contents(of path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(description: "\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try readAll(fd, name: path)
    }

    /// Everything `fd` holds until end of file, at most `limit` bytes.
    static func readAll(_ fd: Int32, name: String, limit: Int = maxBytes) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: "\(name): cannot read: \(String(cString: strerror(errno)))")
            }
            data.append(buffer, count: count)
            guard data.count <= limit else {
                throw ReadError(description: "\(name): more than \(limit) bytes; not a manifest file")
            }
        }
    }

    static func decode(_ data: Data, source: String) throws -> [KubeObject] {
        do {
            return try ManifestDecoder.decode(data, source: source)
        } catch {
            throw ReadError(description: error.description)
        }
    }
}

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

    /// What a set of paths held: the objects, and warning lines (fields Kubernetes does not know, a
    /// path that held no object).
    struct Contents {
        var objects: [KubeObject] = []
        var warnings: [String] = []
    }

    static func read(_ paths: [String], standardInput: () throws -> Data) throws -> Contents {
        var contents = Contents()
        for path in paths {
            let before = contents.objects.count
            var files = 1
            if path == "-" {
                try decode(standardInput(), source: "<stdin>", into: &contents)
            } else {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ReadError(description: "\(path): no such file or directory")
                }
                if isDirectory.boolValue {
                    let found = try self.files(under: path)
                    files = found.count
                    for file in found {
                        try decode(self.contents(of: file), source: file, into: &contents)
                    }
                } else {
                    try decode(self.contents(of: path), source: path, into: &contents)
                }
            }
            if contents.objects.count == before {
                let name = path == "-" ? "<stdin>" : path
                let what = files == 0 ? "no *.yaml, *.yml or *.json file in it" : "no Ingress, Service, IngressClass, Secret or ConfigMap in it"
                contents.warnings.append("warning: \(name): \(what); nothing to render from it")
            }
        }
        return contents
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

    static func decode(_ data: Data, source: String, into contents: inout Contents) throws {
        do {
            let (objects, warnings) = try ManifestDecoder.decodeWithWarnings(data, source: source)
            contents.objects += objects
            contents.warnings += warnings.map(\.description)
        } catch {
            throw ReadError(description: error.description)
        }
    }
}

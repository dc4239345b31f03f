import Foundation
import PorticoModel

/// Reads manifests from files, directories (recursively: `*.yaml`, `*.yml`, `*.json`, hidden entries
/// skipped, in name order) and standard input (`-`).
enum ManifestFiles {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    static let extensions: Set<String> = ["yaml", "yml", "json"]

    static func read(_ paths: [String], standardInput: () -> Data) throws -> [KubeObject] {
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

    static func contents(of path: String) throws -> Data {
        guard FileManager.default.isReadableFile(atPath: path), let data = FileManager.default.contents(atPath: path)
        else {
            throw ReadError(description: "\(path): cannot read file (permission denied?)")
        }
        return data
    }

    static func decode(_ data: Data, source: String) throws -> [KubeObject] {
        do {
            return try ManifestDecoder.decode(data, source: source)
        } catch {
            throw ReadError(description: error.description)
        }
    }
}

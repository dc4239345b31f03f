import Foundation

/// The `nameserver` lines of /etc/resolv.conf: in a pod, the cluster DNS.
enum SystemResolvers {
    static func read(path: String = "/etc/resolv.conf") -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return parse(text)
    }

    static func parse(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            let address = String(fields[1])
            return address.contains(":") ? "[\(address)]" : address
        }
    }
}

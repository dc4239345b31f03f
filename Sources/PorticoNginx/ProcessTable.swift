import Foundation

/// Reads Linux's /proc for processes that were not started directly: nginx's workers (for the
/// applier's confirmation, and for tests), a wrapped dnsmasq in the tests.
public enum ProcessTable {
    /// The pids whose parent is `parent`.
    public static func children(of parent: Int32) -> Set<Int32> {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: Set<Int32> = []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // "pid (comm) state ppid ...": comm may contain spaces, so split after the last ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == parent { found.insert(pid) }
        }
        return found
    }
}

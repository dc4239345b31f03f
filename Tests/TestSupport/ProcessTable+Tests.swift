import Foundation
import PorticoNginx

extension ProcessTable {
    /// Whether process `pid` has ended: gone, or a zombie its parent has not reaped yet. A signalled
    /// process does not end the moment `kill` returns.
    public static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        // "pid (comm) state ...": the state follows the last ")".
        return stat[stat.index(after: close)...].split(separator: " ").first.map { $0 == "Z" || $0 == "X" } ?? true
    }

    /// The children of `parent` whose command is `command` (e.g. portico's nginx master).
    public static func children(of parent: Int32, named command: String) -> Set<Int32> {
        children(of: parent).filter {
            (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == command
        }
    }
}

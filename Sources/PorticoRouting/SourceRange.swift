#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 range as nginx's `allow` and `deny` take it, canonical: the network address with
/// the host bits cleared, then the prefix length (`10.0.0.0/8`, `2001:db8::/32`). A plain address is
/// a range of one (`/32`, `/128`), as ingress-nginx reads it.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public var description: String { text }

    /// Why a value is not a range list.
    public struct Problem: Error, Equatable {
        public var reason: String
    }

    /// More ranges than any real allowlist needs: each is a directive in every location it guards.
    public static let maxRanges = 1000

    /// A comma-separated list (`0.0.0.0/0,::/0`, spaces around items allowed), as ingress-nginx's
    /// `*-source-range` annotations take it.
    public static func parseList(_ value: String) -> Result<[SourceRange], Problem> {
        let items = value.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= maxRanges else {
            return .failure(Problem(reason: "\(items.count) ranges, more than \(maxRanges)"))
        }
        var ranges: [SourceRange] = []
        for (i, item) in items.enumerated() {
            let trimmed = item.trimmingSpaces
            guard let range = SourceRange(trimmed) else {
                return .failure(Problem(reason: "item \(i + 1), \(quoted(String(trimmed), limit: 50)), is not one"))
            }
            ranges.append(range)
        }
        return .success(ranges)
    }

    public init?(_ raw: Substring) {
        // Only what an address or a range is made of: nothing else reaches inet_pton or nginx.
        guard !raw.isEmpty, raw.utf8.count <= 64,
            raw.utf8.allSatisfy({ Self.allowed.contains($0) })
        else { return nil }
        let parts = raw.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let v6 = address.contains(":")
        let bits = v6 ? 128 : 32
        var prefix = bits
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].utf8.count <= 3, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let n = Int(parts[1]), n <= bits, parts[1] == "\(n)"
            else { return nil }
            prefix = n
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(v6 ? AF_INET6 : AF_INET, address, &bytes) == 1 else { return nil }
        for i in 0..<(bits / 8) {
            let keep = max(0, min(8, prefix - i * 8))
            bytes[i] &= keep == 0 ? 0 : ~UInt8(0) << (8 - keep)
        }
        var out = [CChar](repeating: 0, count: 64)
        guard inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, &out, socklen_t(out.count)) != nil else { return nil }
        let canonical = String(decoding: out.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        text = "\(canonical)/\(prefix)"
    }

    private static let allowed = Set("0123456789abcdefABCDEF.:/".utf8)
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}

/// Who may reach a location by client address: ingress-nginx's `denylist-source-range` is refused
/// first, then, when there is an allowlist (`allowlist-source-range`, `whitelist-source-range`),
/// only its ranges are admitted. An empty allowlist admits nobody: what an unreadable one becomes.
public struct SourceAccess: Sendable, Hashable {
    public var deny: [SourceRange]
    /// Nil: no allowlist, everyone not denied is admitted.
    public var allow: [SourceRange]?

    public init(deny: [SourceRange] = [], allow: [SourceRange]? = nil) {
        self.deny = deny
        self.allow = allow
    }
}

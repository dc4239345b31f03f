/// The syntax rules for every value that can reach nginx.conf. What passes here is made only of
/// characters that have no meaning to nginx's config parser (no whitespace, quotes, `;`, `{`, `}`,
/// `#`, `$`, `\`), so it cannot end a directive, open a block or start a comment.
package enum Validation {
    static let maxPathLength = 1024

    /// RFC 1123 label: namespaces.
    package static func isLabel(_ s: String) -> Bool {
        isLabel(s.utf8[...])
    }

    /// `isLabel` on bytes: what hosts and names are checked with on every pass, without copies.
    static func isLabel(_ b: Substring.UTF8View) -> Bool {
        guard let first = b.first, let last = b.last, b.count <= 63 else { return false }
        guard isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// RFC 1035 label: Service names (must start with a letter).
    static func isServiceName(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else {
            return false
        }
        return isLabel(s)
    }

    /// RFC 1123 subdomain: object names, hosts, external names.
    package static func isSubdomain(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        return s.utf8[...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { isLabel($0) }
    }

    /// An Ingress host: a subdomain, or `*.` and a subdomain; never an IP address.
    static func isHost(_ s: String) -> Bool {
        let bare = s.hasPrefix("*.") ? String(s.dropFirst(2)) : s
        guard isSubdomain(bare) else { return false }
        // Only digits and dots can spell an IPv4 address.
        guard bare.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }) else { return true }
        let labels = bare.split(separator: ".")
        return !(labels.count == 4 && labels.allSatisfy { Int($0) != nil })
    }

    /// IANA service name: named ports.
    static func isPortName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count <= 15, b.first != UInt8(ascii: "-"), b.last != UInt8(ascii: "-") else {
            return false
        }
        guard b.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { return false }
        guard !zip(b, b.dropFirst()).contains(where: { $0 == UInt8(ascii: "-") && $1 == UInt8(ascii: "-") }) else { return false }
        return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func isPort(_ n: Int) -> Bool { (1...65535).contains(n) }

    /// Why a path is refused, or nil when it is safe: absolute, URL path characters that mean nothing
    /// to nginx's parser, and no `.`/`..` segments or `//` (nginx matches the normalised URI, so such a
    /// rule could never match as written).
    static func pathProblem(_ s: String) -> String? {
        guard s.hasPrefix("/") else { return "must start with \"/\"" }
        guard s.utf8.count <= maxPathLength else { return "longer than \(maxPathLength) bytes" }
        for b in s.utf8 {
            if isAlnum(b) { continue }
            switch b {
            case UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "="),
                UInt8(ascii: "&"):
                continue
            case UInt8(ascii: "%"):
                return "percent-encoded characters are not supported; write the path decoded"
            default:
                return "contains a character that is not allowed in a path "
                    + "(allowed: letters, digits and / - . _ ~ ! * + , : @ = &)"
            }
        }
        // One pass over the segments after the leading "/": none empty but the last, none "." or "..".
        var emptySegment = false, dotSegment = false
        var length = 0, onlyDots = true, previous = UInt8(ascii: "/")
        for b in s.utf8.dropFirst() {
            if b == UInt8(ascii: "/") {
                if previous == UInt8(ascii: "/") { emptySegment = true }
                if length > 0, length <= 2, onlyDots { dotSegment = true }
                length = 0
                onlyDots = true
            } else {
                length += 1
                onlyDots = onlyDots && b == UInt8(ascii: ".")
            }
            previous = b
        }
        if length > 0, length <= 2, onlyDots { dotSegment = true }
        if emptySegment { return "contains an empty segment (\"//\")" }
        if dotSegment { return "contains a \".\" or \"..\" segment" }
        return nil
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    package static func isAlnum(_ b: UInt8) -> Bool {
        isLowerAlnum(b) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }
}

/// Text from a manifest, made safe to print in a one-line message.
package enum MessageText {
    /// Quoted, with control, line-breaking and invisible format characters (bidi overrides among
    /// them) escaped and long values cut, so that a hostile key or value can never forge or hide a
    /// line of output: `"a\nb"`, `"\u{202e}x"`, `"aaaa…" (300 bytes)`.
    package static func quoted(_ value: String, limit: Int = 80) -> String {
        var out = "\""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                out += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let category = scalar.properties.generalCategory
                if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) || category == .lineSeparator
                    || category == .paragraphSeparator || category == .format
                {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        if count == limit, value.unicodeScalars.count > limit { out += " (\(value.utf8.count) bytes)" }
        return out
    }
}

extension MessageText {
    /// A name as it is when it is a plain DNS name (`web`, `team-a.example`), quoted otherwise
    /// (`""`, `"a b"`, `"x\n"`).
    static func printable(_ name: String) -> String {
        let plain =
            !name.isEmpty && name.utf8.count <= 253
            && name.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                    || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            }
        return plain ? name : quoted(name)
    }
}

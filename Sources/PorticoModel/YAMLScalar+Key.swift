/// Mapping keys: JSON field names are strings, so sigs.k8s.io/yaml (`convertToJSONableObject`)
/// turns the key go-yaml resolved back into text: `80` stays "80", `0x10` becomes "16", `yes`
/// becomes "true", `1e6` becomes "1e+06" (Go's `FormatFloat(f, 'g', -1, 32)`). A null key and an
/// integer above `Int.max` (go-yaml's uint64) have no such rule, and kubectl refuses the document.
extension YAMLScalar {
    enum Key: Equatable {
        case name(String)
        /// `<<`, plain or tagged `!!merge`: go-yaml v2 merges the value's mapping(s) here.
        case merge
    }

    static func key(_ text: String, plain: Bool, tag: String?) throws(TagProblem) -> Key {
        let resolved: Resolved
        if let tag {
            if tag == mergeTag { return .merge }
            resolved = try resolve(text, tag: tag)
        } else if !plain {
            return .name(text)
        } else {
            if text == "<<" { return .merge }
            resolved = resolve(text)
        }
        switch resolved {
        case .string: return .name(text)
        case .decoded(let s): return .name(s)
        case .int(let i): return .name(String(i))
        case .bool(let b): return .name(b ? "true" : "false")
        case .float(let d): return .name(goFloat32Text(d))
        case .null:
            throw TagProblem(reason: "the key \(quotedForMessage(text)) is null, which cannot name a field; quote it")
        case .uint:
            throw TagProblem(
                reason: "the key \(text) is an integer above \(Int.max), which Kubernetes cannot take as a field name; quote it")
        }
    }

    /// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, with go-yaml's `.inf`, `-.inf` and `.nan`: the
    /// shortest digits that identify the float32, in `%e` form when the exponent is below -4 or at
    /// least 6 (`1e+06`, `1.234567e+06`, `1e-05`), else in `%f` form (`100000`, `0.0001`).
    static func goFloat32Text(_ value: Double) -> String {
        let f = Float(value)
        if f.isNaN { return ".nan" }
        if f.isInfinite { return f < 0 ? "-.inf" : ".inf" }
        let sign = f.sign == .minus ? "-" : ""
        if f == 0 { return sign + "0" }
        // Swift prints the same shortest round-trip digits, in its own layout: take them apart.
        let description = "\(f.magnitude)"
        let parts = description.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        var digits = Array(mantissa.utf8.filter { $0 != UInt8(ascii: ".") })
        var point = (mantissa.utf8.firstIndex(of: UInt8(ascii: ".")).map { mantissa.utf8.distance(from: mantissa.utf8.startIndex, to: $0) }
            ?? mantissa.utf8.count) + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let text = String(decoding: digits, as: UTF8.self)
        let decimalExponent = point - 1
        if decimalExponent < -4 || decimalExponent >= 6 {
            let head = String(text.prefix(1)), tail = String(text.dropFirst())
            let magnitude = abs(decimalExponent)
            return sign + head + (tail.isEmpty ? "" : "." + tail) + "e" + (decimalExponent < 0 ? "-" : "+")
                + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + text }
        if point >= digits.count { return sign + text + String(repeating: "0", count: point - digits.count) }
        return sign + String(text.prefix(point)) + "." + String(text.dropFirst(point))
    }
}

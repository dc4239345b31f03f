import Foundation

/// What a YAML scalar means to Kubernetes. kubectl and the API server read YAML with
/// sigs.k8s.io/yaml, which parses it with go-yaml v2 and hands the result to Go's JSON decoder, so
/// a plain scalar resolves by go-yaml v2's own table (`resolve.go`), not by YAML 1.1's: no
/// sexagesimal numbers (`1:20` and `::1` are text), `0o17` and `017` are octal, `y` and `on` are
/// booleans, and timestamps stay text. Quoted scalars are always text.
enum YAMLScalar {
    /// go-yaml's result, before JSON: `uint` is its uint64 for integers above `Int.max`.
    enum Resolved: Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case uint(UInt64)
        case float(Double)
        /// Text: the scalar's own.
        case string
        /// Text other than the scalar's: a `!!binary` scalar's decoded bytes.
        case decoded(String)
    }

    /// A tagged scalar whose text does not fit its tag, or a tag Portico refuses.
    struct TagProblem: Error {
        var reason: String
    }

    static let strTag = "tag:yaml.org,2002:str"
    static let mergeTag = "tag:yaml.org,2002:merge"

    /// go-yaml v2 `resolve("", text)` for a plain scalar without a tag.
    static func resolve(_ text: String) -> Resolved {
        var text = text
        return text.withUTF8 { resolve($0) }
    }

    /// A scalar with an explicit tag (`!!str 80`, `!!int "80"`): go-yaml resolves the text and
    /// requires the result to be of the tag's kind (an integer will do for `!!float`). Tags it does
    /// not resolve (`!`, `!foo`) leave the text a string.
    static func resolve(_ text: String, tag: String) throws(TagProblem) -> Resolved {
        let kind: String
        switch tag {
        case strTag: return .string
        case "tag:yaml.org,2002:binary":
            // go-yaml decodes the base64 (Go's StdEncoding, which skips line breaks) to a string of
            // those bytes; JSON then replaces what is not UTF-8 with U+FFFD, as String(decoding:) does.
            let base64 = text.filter { $0 != "\n" && $0 != "\r" }
            guard let bytes = Data(base64Encoded: base64) else {
                throw TagProblem(reason: "the !!binary value \(quotedForMessage(text)) is not valid base64")
            }
            return .decoded(String(decoding: bytes, as: UTF8.self))
        case "tag:yaml.org,2002:timestamp":
            if isTimestamp(text) { return .string }  // JSON gets the text as written
            kind = "timestamp"
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            kind = String(tag.dropFirst("tag:yaml.org,2002:".count))
            switch (kind, resolve(text)) {
            case ("int", .int(let i)): return .int(i)
            case ("int", .uint(let u)): return .uint(u)
            case ("float", .float(let d)): return .float(d)
            case ("float", .int(let i)): return .float(Double(i))
            case ("bool", .bool(let b)): return .bool(b)
            case ("null", .null): return .null
            default: break
            }
        default:
            return .string
        }
        throw TagProblem(reason: "\(quotedForMessage(text)) is not a valid !!\(kind)")
    }

    // MARK: go-yaml v2 resolve.go

    private static func resolve(_ b: UnsafeBufferPointer<UInt8>) -> Resolved {
        guard let first = b.first else { return .null }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"),
            UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"),
            UInt8(ascii: "~"):
            return b.count <= 5 ? (inMap(b) ?? .string) : .string
        case UInt8(ascii: "."):
            if b.count <= 5, let r = inMap(b) { return r }
            // Not in the map: Go's strconv.ParseFloat on the text as written (underscores included).
            guard isGoDotFloat(b), let d = double(b), d.isFinite else { return .string }
            return .float(d)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if b.count <= 5, let r = inMap(b) { return r }
            return number(b) ?? .string
        default:
            return .string
        }
    }

    /// go-yaml's `resolveMap`: the booleans, nulls, infinities and NaNs it knows by name.
    private static func inMap(_ b: UnsafeBufferPointer<UInt8>) -> Resolved? {
        switch String(decoding: b, as: UTF8.self) {
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": .bool(true)
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": .bool(false)
        case "~", "null", "Null", "NULL": .null
        case ".nan", ".NaN", ".NAN": .float(.nan)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": .float(-.infinity)
        default: nil
        }
    }

    /// A scalar that starts with a digit or a sign. go-yaml removes every `_`, then tries
    /// `strconv.ParseInt(s, 0, 64)` (`0x`, `0o`, `0b` and a leading `0` for octal), then
    /// `ParseUint`, then its float pattern, then a `0b` fallback; what none of them takes is text.
    private static func number(_ text: UnsafeBufferPointer<UInt8>) -> Resolved? {
        var plain: [UInt8] = []
        let hasUnderscore = text.contains(UInt8(ascii: "_"))
        if hasUnderscore { plain = text.filter { $0 != UInt8(ascii: "_") } }
        return withPlain(text, hasUnderscore ? plain : nil) { b in
            guard !b.isEmpty else { return nil }
            if let r = goParseInt(b) { return r }
            if isYAMLStyleFloat(b), let d = double(b), d.isFinite { return .float(d) }
            // ParseInt(s[2:], 2, 64) after a `0b` the base-0 parse refused: only a signed remainder
            // (`0b-101` is -5) gets this far. go-yaml's `-0b` fallback can never succeed where the
            // base-0 parse failed, so it has no counterpart here.
            if b.count > 2, b[0] == UInt8(ascii: "0"), b[1] == UInt8(ascii: "b") {
                return binaryWithSign(UnsafeBufferPointer(rebasing: b[2...]))
            }
            return nil
        }
    }

    private static func withPlain<R>(
        _ text: UnsafeBufferPointer<UInt8>, _ plain: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        guard let plain else { return body(text) }
        return plain.withUnsafeBufferPointer(body)
    }

    /// `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)` for an unsigned value
    /// above `Int.max`.
    private static func goParseInt(_ b: UnsafeBufferPointer<UInt8>) -> Resolved? {
        var i = 0
        let sign = b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-")
        let negative = b[0] == UInt8(ascii: "-")
        if sign { i = 1 }
        guard i < b.count else { return nil }
        var base: UInt64 = 10
        if b[i] == UInt8(ascii: "0") {
            if b.count - i >= 3, let prefixed = prefixBase(b[i + 1]) {
                base = prefixed
                i += 2
            } else {
                base = 8
                i += 1  // "0" alone is zero
            }
        }
        guard let magnitude = digits(UnsafeBufferPointer(rebasing: b[i...]), base: base) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return nil }
            return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
        }
        if magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
        return sign ? nil : .uint(magnitude)  // ParseUint takes no sign
    }

    private static func prefixBase(_ c: UInt8) -> UInt64? {
        switch c | 0x20 {
        case UInt8(ascii: "b"): 2
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "x"): 16
        default: nil
        }
    }

    /// Digits in `base` as an unsigned 64-bit value; nil for a bad digit or overflow. Empty is zero
    /// (only reached after a lone leading `0`).
    private static func digits(_ b: UnsafeBufferPointer<UInt8>, base: UInt64) -> UInt64? {
        var value: UInt64 = 0
        for c in b {
            let d: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt64(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            guard d < base else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = s
        }
        return value
    }

    /// `strconv.ParseInt(s, 2, 64)`, then `ParseUint(s, 2, 64)`.
    private static func binaryWithSign(_ b: UnsafeBufferPointer<UInt8>) -> Resolved? {
        guard let first = b.first else { return nil }
        let sign = first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
        let rest = UnsafeBufferPointer(rebasing: b[(sign ? 1 : 0)...])
        guard !rest.isEmpty, let magnitude = digits(rest, base: 2) else { return nil }
        if first == UInt8(ascii: "-") {
            guard magnitude <= UInt64(Int.max) + 1 else { return nil }
            return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
        }
        if magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
        return sign ? nil : .uint(magnitude)
    }

    /// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    private static func isYAMLStyleFloat(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        func digitRun() -> Int {
            let start = i
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digitRun() > 0 else { return false }
        } else {
            guard digitRun() > 0 else { return false }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                _ = digitRun()
            }
        }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digitRun() > 0 else { return false }
        }
        return i == b.count
    }

    /// What Go's `strconv.ParseFloat` accepts that starts with `.`: decimal digits, then an optional
    /// exponent, with single underscores allowed between digits (`.5_5` is 0.55).
    private static func isGoDotFloat(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 1
        func digitsWithUnderscores() -> Bool {
            var sawDigit = false
            while i < b.count {
                let c = b[i]
                if c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
                    sawDigit = true
                } else if c == UInt8(ascii: "_") {
                    guard sawDigit, i + 1 < b.count, b[i + 1] >= UInt8(ascii: "0"), b[i + 1] <= UInt8(ascii: "9") else {
                        return false
                    }
                } else {
                    break
                }
                i += 1
            }
            return sawDigit
        }
        guard digitsWithUnderscores() else { return false }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digitsWithUnderscores() else { return false }
        }
        return i == b.count
    }

    /// The decimal text as a Double, underscores left out; infinite when it overflows, as Go's
    /// ParseFloat reports a range error then.
    private static func double(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        Double(String(decoding: b.lazy.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self))
    }

    // MARK: !!timestamp

    /// go-yaml's timestamp layouts (`2006-1-2T15:4:5.999999999Z07:00`, the same with `t`,
    /// `2006-1-2 15:4:5.999999999` and `2006-1-2`), with Go's ranges for each field. Only a scalar
    /// tagged `!!timestamp` needs this: an untagged one that looks like a date is never a number, so
    /// it is text whether or not it parses.
    static func isTimestamp(_ text: String) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var value = 0, n = 0
            while i < b.count, n < maxDigits, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
                i += 1
                n += 1
            }
            return n >= minDigits ? value : nil
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, let ascii = c.asciiValue, b[i] == ascii else { return false }
            i += 1
            return true
        }
        guard let year = number(4, 4), expect("-"), let month = number(1, 2), expect("-"), let day = number(1, 2),
            (1...12).contains(month), day >= 1, day <= daysIn(month, year)
        else { return false }
        if i == b.count { return true }
        let separator = b[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            return false
        }
        i += 1
        guard let hour = number(1, 2), expect(":"), let minute = number(1, 2), expect(":"), let second = number(1, 2),
            hour < 24, minute < 60, second < 60
        else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard number(1, Int.max) != nil else { return false }
        }
        if separator == UInt8(ascii: " ") { return i == b.count }
        if expect("Z") { return i == b.count }
        guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard let zoneHour = number(2, 2), expect(":"), let zoneMinute = number(2, 2), zoneHour < 24, zoneMinute < 60 else {
            return false
        }
        return i == b.count
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// A scalar's text for an error message: quoted, escaped, cut.
    static func quotedForMessage(_ text: String) -> String {
        MessageText.quoted(text)
    }
}

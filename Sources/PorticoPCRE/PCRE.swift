import CPCRE

#if canImport(Glibc)
    import Glibc
#endif

/// A compiled PCRE pattern: the regex engine nginx itself uses, so a pattern that holds here holds
/// for nginx too.
package final class PCRE: @unchecked Sendable {
    package struct CompileError: Error, CustomStringConvertible {
        package var pattern: String
        package var offset: Int
        package var message: String
        package var description: String { "PCRE pattern \"\(pattern)\" at offset \(offset): \(message)" }
    }

    private let code: OpaquePointer
    package let pattern: String

    /// - Parameter multiline: `^` and `$` match at every line.
    package init(_ pattern: String, multiline: Bool = false, caseless: Bool = false) throws(CompileError) {
        var errorMessage: UnsafePointer<CChar>?
        var errorOffset: Int32 = 0
        var flags = PCRE_UTF8
        if multiline { flags |= PCRE_MULTILINE }
        if caseless { flags |= PCRE_CASELESS }
        guard let compiled = pcre_compile(pattern, flags, &errorMessage, &errorOffset, nil) else {
            throw CompileError(
                pattern: pattern, offset: Int(errorOffset),
                message: errorMessage.map { String(cString: $0) } ?? "unknown error")
        }
        code = compiled
        self.pattern = pattern
    }

    deinit { free(UnsafeMutableRawPointer(code)) }  // pcre_free is free() unless an application overrides it

    package func matches(_ subject: String) -> Bool { firstMatch(subject) != nil }

    /// The whole match and its groups (empty string for a group that did not take part).
    package func firstMatch(_ subject: String) -> [String]? {
        allMatches(subject, limit: 1).first
    }

    package func allMatches(_ subject: String, limit: Int = .max) -> [[String]] {
        var results: [[String]] = []
        var vector = [Int32](repeating: 0, count: 60)
        var subject = subject
        subject.withUTF8 { bytes in
            // One pass over the bytes: PCRE checks the UTF-8 once, not again for every match.
            var start: Int32 = 0
            var options: Int32 = 0
            while results.count < limit && Int(start) <= bytes.count {
                let rc = bytes.withMemoryRebound(to: CChar.self) { chars in
                    // An empty buffer may have no address; PCRE refuses a null subject.
                    guard let base = chars.baseAddress else {
                        return pcre_exec(code, nil, "", 0, start, options, &vector, Int32(vector.count))
                    }
                    return pcre_exec(code, nil, base, Int32(bytes.count), start, options, &vector, Int32(vector.count))
                }
                options = PCRE_NO_UTF8_CHECK
                guard rc > 0 else { break }
                var groups: [String] = []
                for g in 0..<Int(rc) {
                    let a = Int(vector[2 * g]), b = Int(vector[2 * g + 1])
                    groups.append(a < 0 ? "" : String(decoding: bytes[a..<b], as: UTF8.self))
                }
                results.append(groups)
                start = vector[1] > vector[0] ? vector[1] : vector[1] + 1
            }
        }
        return results
    }
}

/// An htpasswd file as nginx's `auth_basic_user_file` reads it (`user:hash` per line), checked
/// before it is ever written: every user a plain name, every hash one nginx 1.22 on Debian can
/// check (its own `$apr1$`, `{SHA}`, `{SSHA}` and `{PLAIN}`, and what glibc's crypt(3) knows: DES,
/// `$1$`, `$5$`, `$6$`, bcrypt `$2a$`/`$2b$`/`$2y$` and yescrypt `$y$`). A line that is not one
/// would either let nobody in, with nginx saying nothing, or mean something else to nginx than to
/// whoever wrote it (a second `:` ends the hash; a `#` starts a comment). Problems name lines and
/// keys, never a hash or a password.
enum Htpasswd {
    /// Larger content is refused before it is read line by line.
    static let maxBytes = 1 << 20
    static let maxUsers = 10_000
    static let maxUserBytes = 256

    /// The file's normalised content (`user:hash\n` per user, comments and blank lines dropped,
    /// CRLF as LF), or why it cannot be used.
    static func file(_ content: [UInt8]) -> Result<String, Problem> {
        guard content.count <= maxBytes else { return .failure(Problem("is larger than \(maxBytes) bytes")) }
        var lines: [String] = []
        var number = 0
        for raw in content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var line = raw[...]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(Problem("line \(number) is not user:hash"))
            }
            if let problem = userProblem(line[..<colon]) { return .failure(Problem("line \(number): the user \(problem)")) }
            if let problem = hashProblem(line[line.index(after: colon)...]) { return .failure(Problem("line \(number): \(problem)")) }
            lines.append(String(decoding: line, as: UTF8.self))
            if lines.count > maxUsers { return .failure(Problem("holds more than \(maxUsers) users")) }
        }
        guard !lines.isEmpty else { return .failure(Problem("holds no user:hash line")) }
        return .success(lines.map { $0 + "\n" }.joined())
    }

    /// `auth-map`: each key a user, each value that user's hash; the file lists them by user.
    static func map(_ entries: [(user: String, hash: [UInt8])]) -> Result<String, Problem> {
        guard !entries.isEmpty else { return .failure(Problem("holds no key")) }
        guard entries.count <= maxUsers else { return .failure(Problem("holds more than \(maxUsers) keys")) }
        var lines: [String] = []
        for (user, hash) in entries.sorted(by: { $0.user < $1.user }) {
            if let problem = userProblem(Array(user.utf8)[...]) { return .failure(Problem("the key \(quoted(user)) \(problem)")) }
            if let problem = hashProblem(hash[...]) { return .failure(Problem("the value of key \(quoted(user)): \(problem)")) }
            lines.append(user + ":" + String(decoding: hash, as: UTF8.self) + "\n")
        }
        return .success(lines.joined())
    }

    struct Problem: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Printable ASCII without `:` (it ends the user), not starting with `#` (a comment to nginx).
    static func userProblem(_ user: ArraySlice<UInt8>) -> String? {
        if user.isEmpty { return "is empty" }
        if user.count > maxUserBytes { return "is longer than \(maxUserBytes) bytes" }
        if user.first == UInt8(ascii: "#") { return "starts with #, which nginx reads as a comment" }
        guard user.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) else {
            return "holds a space, a control character or a byte outside ASCII"
        }
        return nil
    }

    /// Why nginx could not check a password against `hash`, or nil.
    static func hashProblem(_ hash: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: hash, as: UTF8.self)
        if hash.isEmpty { return "the hash is empty: nobody could sign in" }
        if hash.contains(UInt8(ascii: ":")) { return "a second : (nginx would end the hash there)" }
        guard hash.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return "the hash holds a control character or a byte outside ASCII" }
        if isKnownHash(text) { return nil }
        return "the hash is not one nginx can check (a plain password must be hashed, e.g. with htpasswd -B; nginx reads "
            + "bcrypt, $apr1$, $1$, $5$, $6$, $y$, {SHA}, {SSHA}, {PLAIN} and DES crypt)"
    }

    static func isKnownHash(_ hash: String) -> Bool {
        if let plain = hash.stripping("{PLAIN}") { return !plain.isEmpty }
        if let digest = hash.stripping("{SHA}") { return isBase64(digest, bytes: 20...20) }
        if let digest = hash.stripping("{SSHA}") { return isBase64(digest, bytes: 21...1024) }
        if hash.utf8.count == 13 { return hash.utf8.allSatisfy(isCrypt64) }  // DES crypt: salt and hash
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4, fields[0].isEmpty else { return false }
        let last = fields[fields.count - 1]
        func salt(_ s: String, _ lengths: ClosedRange<Int>) -> Bool { lengths.contains(s.utf8.count) && s.utf8.allSatisfy(isCrypt64) }
        func digest(_ s: String, _ length: Int) -> Bool { s.utf8.count == length && s.utf8.allSatisfy(isCrypt64) }
        switch fields[1] {
        case "apr1", "1": return fields.count == 4 && salt(fields[2], 0...8) && digest(last, 22)
        case "5", "6":
            // $5$[rounds=N$]salt$hash
            var rest = fields.dropFirst(2)
            if rest.count == 3, let rounds = rest.first?.stripping("rounds="), rounds.utf8.count <= 9, rounds.utf8.allSatisfy(isDigit) {
                rest = rest.dropFirst()
            }
            return rest.count == 2 && salt(rest[rest.startIndex], 0...16) && digest(last, fields[1] == "5" ? 43 : 86)
        case "2a", "2b", "2y":
            return fields.count == 4 && fields[2].utf8.count == 2 && fields[2].utf8.allSatisfy(isDigit) && digest(last, 53)
        case "y":
            return fields.count == 5 && salt(fields[2], 1...64) && salt(fields[3], 1...128) && digest(last, 43)
        default: return false
        }
    }

    static func isCrypt64(_ c: UInt8) -> Bool {
        Validation.isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "/")
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    static func isBase64(_ text: String, bytes: ClosedRange<Int>) -> Bool {
        let u = Array(text.utf8)
        guard u.count % 4 == 0, !u.isEmpty else { return false }
        let padding = u.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2,
            u.dropLast(padding).allSatisfy({ Validation.isAlnum($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/") })
        else { return false }
        return bytes.contains(u.count / 4 * 3 - padding)
    }
}

extension String {
    fileprivate func stripping(_ prefix: String) -> String? { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil }
}

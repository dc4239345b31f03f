import PorticoPCRE

/// One directive of an nginx.conf: its name, arguments and, for a block directive, its children.
package struct ConfigDirective: Sendable, Equatable, CustomStringConvertible {
    package var name: String
    /// Whether the name was quoted (`"" $host;` in a `map`).
    package var nameQuoted = false
    package var arguments: [ConfigArgument]
    /// Nil for a simple directive (`name args;`), the children for a block (`name args { ... }`).
    package var block: [ConfigDirective]?
    /// 1-based line of the directive's name in the text.
    package var line: Int

    /// `name arg "quoted arg"`: how the allowlists see a directive.
    package var description: String {
        ([ConfigArgument(value: name, quoted: nameQuoted).description] + arguments.map(\.description))
            .joined(separator: " ")
    }

    package var children: [ConfigDirective] { block ?? [] }
}

/// An argument as nginx reads it: the text after unquoting, and whether it was quoted.
package struct ConfigArgument: Sendable, Equatable, CustomStringConvertible {
    package var value: String
    package var quoted: Bool

    package var description: String { quoted ? "\"\(value)\"" : value }
}

package struct ConfigParseError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var message: String
    package var description: String { "line \(line): \(message)" }
}

/// Reads nginx.conf text into directives the way nginx's own parser (`ngx_conf_read_token`) does:
/// space, tab, CR and LF separate tokens; `#` at the start of a token comments to the end of the
/// line; `"..."` and `'...'` quote with backslash escapes; a word ends at whitespace, `;` or `{`
/// (but `${` continues a variable name) and a backslash escapes the next character.
package enum ConfigTree {
    private static let token: PCRE = {
        let alternatives = [
            #"([ \t\r\n]+)"#,  // 1: whitespace
            #"(#[^\n]*)"#,  // 2: comment
            #""((?:\\[\s\S]|[^"\\])*)""#,  // 3: double-quoted
            #"'((?:\\[\s\S]|[^'\\])*)'"#,  // 4: single-quoted
            #"([{};])"#,  // 5: punctuation
            #"((?:\\[\s\S]|\$\{|[^ \t\r\n;{\\"'])(?:\\[\s\S]|\$\{|[^ \t\r\n;{\\])*)"#,  // 6: word
            #"([\s\S])"#,  // 7: anything else (an unterminated quote): an error
        ]
        do { return try PCRE(alternatives.joined(separator: "|")) } catch { fatalError("\(error)") }
    }()

    private enum Token {
        case word(ConfigArgument), open, close, semicolon
    }

    package static func parse(_ text: String) throws(ConfigParseError) -> [ConfigDirective] {
        var tokens: [(Token, Int)] = []
        var line = 1
        var previousWasQuoted = false
        for match in token.allMatches(text) {
            let whole = match[0]
            func group(_ i: Int) -> String? { match.count > i && !match[i].isEmpty ? match[i] : nil }
            let startLine = line
            line += whole.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            let quotedNow = whole.hasPrefix("\"") || whole.hasPrefix("'")
            defer { previousWasQuoted = quotedNow }
            if group(1) != nil || group(2) != nil { continue }
            if previousWasQuoted, !(whole == ";" || whole == "{") {
                // nginx: a closing quote must be followed by a space, ";" or "{".
                throw ConfigParseError(line: startLine, message: "unexpected \(quote(whole)) after a quoted string")
            }
            if quotedNow {
                tokens.append((.word(ConfigArgument(value: unescape(String(whole.dropFirst().dropLast())), quoted: true)), startLine))
            } else if let p = group(5) {
                tokens.append((p == "{" ? .open : p == "}" ? .close : .semicolon, startLine))
            } else if let w = group(6) {
                tokens.append((.word(ConfigArgument(value: unescape(w), quoted: false)), startLine))
            } else {
                throw ConfigParseError(line: startLine, message: "unexpected \(quote(whole)) (an unterminated quote?)")
            }
        }

        var index = 0
        let top = try parseBlock(tokens, &index, depth: 0)
        return top
    }

    private static func parseBlock(_ tokens: [(Token, Int)], _ index: inout Int, depth: Int) throws(ConfigParseError)
        -> [ConfigDirective]
    {
        var directives: [ConfigDirective] = []
        var words: [ConfigArgument] = []
        var firstLine = 0
        while index < tokens.count {
            let (token, line) = tokens[index]
            index += 1
            switch token {
            case .word(let w):
                if words.isEmpty { firstLine = line }
                words.append(w)
            case .semicolon:
                guard let name = words.first else { throw ConfigParseError(line: line, message: "unexpected \";\"") }
                directives.append(
                    ConfigDirective(
                        name: name.value, nameQuoted: name.quoted, arguments: Array(words.dropFirst()), block: nil,
                        line: firstLine))
                words = []
            case .open:
                guard let name = words.first else { throw ConfigParseError(line: line, message: "unexpected \"{\"") }
                let children = try parseBlock(tokens, &index, depth: depth + 1)
                directives.append(
                    ConfigDirective(
                        name: name.value, nameQuoted: name.quoted, arguments: Array(words.dropFirst()), block: children,
                        line: firstLine))
                words = []
            case .close:
                guard words.isEmpty else {
                    throw ConfigParseError(line: line, message: "unexpected \"}\": directive \(quote(words[0].value)) has no \";\"")
                }
                guard depth > 0 else { throw ConfigParseError(line: line, message: "unexpected \"}\"") }
                return directives
            }
        }
        guard words.isEmpty else {
            throw ConfigParseError(line: tokens.last?.1 ?? 0, message: "unexpected end of file: directive without \";\"")
        }
        guard depth == 0 else {
            throw ConfigParseError(line: tokens.last?.1 ?? 0, message: "unexpected end of file, expecting \"}\"")
        }
        return directives
    }

    /// nginx keeps a backslash unless it escapes `"`, `'`, `\`, or is `\t`, `\r`, `\n`.
    private static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "\"", "'", "\\": out.append(c)
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "n": out.append("\n")
                default: out.append("\\"); out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out.append("\\") }
        return out
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars.prefix(60) {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" }
                else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

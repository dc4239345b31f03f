import PorticoModel

/// A Kubernetes label selector in the syntax `kubectl -l` takes (`app=web,tier!=cache`, `env in (a,b)`,
/// `!legacy`), parsed as apimachinery's `labels.Parse` parses it: comma-separated requirements, all of
/// which must hold; keys are qualified names (`portico.io/expose`), values label values. Anything else
/// is refused with the reason, and so is the empty selector (it would select every object).
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    public enum Operator: String, Sendable, Equatable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        /// Sorted and without repeats (a set, as Kubernetes keeps them); empty for exists/!.
        public var values: [String]

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals, .doubleEquals, .in: return value.map(values.contains) ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? have > bound : have < bound
            }
        }
    }

    public let requirements: [Requirement]
    /// As given (for messages and logs).
    public let text: String

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(parsing text: String) throws(Problem) {
        var parser = Parser(Array(text.unicodeScalars))
        requirements = try parser.parse()
        self.text = text
    }

    public func matches(_ labels: [String: String]?) -> Bool {
        let labels = labels ?? [:]
        return requirements.allSatisfy { $0.matches(labels) }
    }

    public var description: String { text }

    public static func == (a: Self, b: Self) -> Bool { a.requirements == b.requirements }

    /// A qualified name: an optional DNS subdomain prefix and `/`, then a name of at most 63
    /// characters (letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit).
    static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isName(parts[0])
        case 2: return Validation.isSubdomain(String(parts[0])) && isName(parts[1])
        default: return false
        }
    }

    static func isName(_ s: Substring) -> Bool { !s.isEmpty && isValue(s) }

    /// A label value: empty, or at most 63 of letters, digits, `-`, `_`, `.`, starting and ending
    /// with a letter or digit.
    static func isValue(_ s: Substring) -> Bool {
        let b = s.utf8
        guard let first = b.first, let last = b.last else { return true }
        guard b.count <= 63, Validation.isAlnum(first), Validation.isAlnum(last) else { return false }
        return b.allSatisfy { Validation.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}

extension LabelSelector {
    /// apimachinery's lexer and recursive-descent parser, in the same steps, so that what it accepts
    /// and refuses is the same.
    struct Parser {
        enum Token: Equatable {
            case identifier(String)
            case not, notEquals, equals, doubleEquals, greaterThan, lessThan
            case open, close, comma, `in`, notIn, end

            var spelled: String {
                switch self {
                case .identifier(let s): s
                case .not: "!"
                case .notEquals: "!="
                case .equals: "="
                case .doubleEquals: "=="
                case .greaterThan: ">"
                case .lessThan: "<"
                case .open: "("
                case .close: ")"
                case .comma: ","
                case .in: "in"
                case .notIn: "notin"
                case .end: "end of string"
                }
            }
        }

        /// Inside a value, `in` and `notin` are values like any other.
        enum Context { case keysAndOperators, values }

        let scalars: [Unicode.Scalar]
        var position = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        static func isSpecial(_ c: Unicode.Scalar) -> Bool { "=!(),<>".unicodeScalars.contains(c) }
        static func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }

        func lex(from start: Int) -> (Token, next: Int) {
            var i = start
            while i < scalars.count, Self.isSpace(scalars[i]) { i += 1 }
            guard i < scalars.count else { return (.end, i) }
            let c = scalars[i]
            let following = i + 1 < scalars.count ? scalars[i + 1] : nil
            switch c {
            case "!" where following == "=": return (.notEquals, i + 2)
            case "!": return (.not, i + 1)
            case "=" where following == "=": return (.doubleEquals, i + 2)
            case "=": return (.equals, i + 1)
            case ">": return (.greaterThan, i + 1)
            case "<": return (.lessThan, i + 1)
            case "(": return (.open, i + 1)
            case ")": return (.close, i + 1)
            case ",": return (.comma, i + 1)
            default:
                var end = i
                while end < scalars.count, !Self.isSpace(scalars[end]), !Self.isSpecial(scalars[end]) { end += 1 }
                var word = String.UnicodeScalarView()
                word.append(contentsOf: scalars[i..<end])
                let text = String(word)
                switch text {
                case "in": return (.in, end)
                case "notin": return (.notIn, end)
                default: return (.identifier(text), end)
                }
            }
        }

        func lookahead(_ context: Context) -> Token {
            let (token, _) = lex(from: position)
            return Self.inContext(token, context)
        }

        mutating func consume(_ context: Context) -> Token {
            let (token, next) = lex(from: position)
            position = next
            return Self.inContext(token, context)
        }

        static func inContext(_ token: Token, _ context: Context) -> Token {
            guard context == .values else { return token }
            switch token {
            case .in: return .identifier("in")
            case .notIn: return .identifier("notin")
            default: return token
            }
        }

        static func fail(_ message: String) -> Problem { Problem(message: message) }

        mutating func parse() throws(Problem) -> [Requirement] {
            guard lookahead(.values) != .end else {
                throw Self.fail("an empty selector would select every Service; give at least one requirement (e.g. portico.io/expose=true)")
            }
            var requirements: [Requirement] = []
            while true {
                switch lookahead(.values) {
                case .identifier, .not:
                    requirements.append(try requirement())
                    switch consume(.values) {
                    case .end: return requirements
                    case .comma:
                        switch lookahead(.values) {
                        case .identifier, .not: continue
                        case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: identifier after ','")
                        }
                    case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: ',' or 'end of string'")
                    }
                case let other:
                    throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: !, identifier, or 'end of string'")
                }
            }
        }

        mutating func requirement() throws(Problem) -> Requirement {
            // The key is read as a value is: `in` and `notin` are keys like any other.
            var token = consume(.values)
            let negated = token == .not
            if negated { token = consume(.values) }
            guard case .identifier(let key) = token else {
                throw Self.fail("found \(MessageText.quoted(token.spelled)), expected: identifier")
            }
            guard LabelSelector.isKey(key) else {
                throw Self.fail(
                    "\(MessageText.quoted(key)) is not a label key (an optional DNS prefix and \"/\", then at most 63 letters, "
                        + "digits, '-', '_' or '.', starting and ending with a letter or digit)")
            }
            if negated { return Requirement(key: key, op: .doesNotExist, values: []) }
            switch lookahead(.values) {
            case .end, .comma: return Requirement(key: key, op: .exists, values: [])
            default: break
            }
            let op: Operator
            switch consume(.keysAndOperators) {
            case .equals: op = .equals
            case .doubleEquals: op = .doubleEquals
            case .notEquals: op = .notEquals
            case .in: op = .in
            case .notIn: op = .notIn
            case .greaterThan: op = .greaterThan
            case .lessThan: op = .lessThan
            case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: in, notin, =, ==, !=, gt, lt")
            }
            let values: Set<String>
            switch op {
            case .in, .notIn: values = try valueSet()
            default: values = [try exactValue()]
            }
            for value in values where !LabelSelector.isValue(Substring(value)) {
                throw Self.fail(
                    "\(MessageText.quoted(value)) is not a label value (at most 63 letters, digits, '-', '_' or '.', starting and "
                        + "ending with a letter or digit)")
            }
            if op == .greaterThan || op == .lessThan, values.contains(where: { Int64($0) == nil }) {
                throw Self.fail("for 'gt' and 'lt' the value must be an integer")
            }
            return Requirement(key: key, op: op, values: values.sorted())
        }

        /// After `=`, `==`, `!=`, `>` or `<`: one value; nothing (`k=`) is the empty value.
        mutating func exactValue() throws(Problem) -> String {
            switch lookahead(.values) {
            case .end, .comma: return ""
            case .identifier(let value):
                _ = consume(.values)
                return value
            case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: identifier")
            }
        }

        /// After `in` or `notin`: `(a,b)`; as in Kubernetes, an empty place in the list is the empty value.
        mutating func valueSet() throws(Problem) -> Set<String> {
            let open = consume(.values)
            guard open == .open else { throw Self.fail("found \(MessageText.quoted(open.spelled)), expected: '('") }
            var values = Set<String>()
            switch lookahead(.values) {
            case .close:
                _ = consume(.values)
                return [""]
            case .identifier, .comma: break
            case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: ',', ')' or identifier")
            }
            while true {
                switch consume(.values) {
                case .identifier(let value):
                    values.insert(value)
                    switch lookahead(.values) {
                    case .comma: continue
                    case .close:
                        _ = consume(.values)
                        return values
                    case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: ',' or ')'")
                    }
                case .comma:
                    if values.isEmpty { values.insert("") }
                    switch lookahead(.values) {
                    case .close:
                        _ = consume(.values)
                        values.insert("")
                        return values
                    case .comma: values.insert("")
                    default: break
                    }
                case let other: throw Self.fail("found \(MessageText.quoted(other.spelled)), expected: ',', or identifier")
                }
            }
        }
    }
}

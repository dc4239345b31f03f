import Foundation

/// Parses template text into `Template.Node`s, removing lines that hold only a section, inverted,
/// closing or comment tag (Mustache's "standalone" rule), so templates can be indented freely.
struct TemplateParser {
    let text: String
    let source: String
    /// Sections are numbered in the order they open, so that a render cache can tell them apart.
    private var sections = 0

    private enum Token {
        case text(String)
        case variable(String, line: Int)
        case open(String, inverted: Bool, line: Int)
        case close(String, line: Int)
    }

    init(text: String, source: String) {
        self.text = text
        self.source = source
    }

    mutating func parse() throws(TemplateError) -> [Template.Node] {
        let tokens = try tokenize()
        var index = 0
        let nodes = try build(tokens, &index, closing: nil)
        return nodes
    }

    private mutating func build(
        _ tokens: [Token], _ index: inout Int, closing: (name: String, line: Int)?
    ) throws(TemplateError) -> [Template.Node] {
        var nodes: [Template.Node] = []
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            switch token {
            case .text(let s):
                nodes.append(.text(s))
            case .variable(let name, let line):
                nodes.append(.variable(path: try path(name, line), line: line))
            case .open(let name, let inverted, let line):
                let id = sections
                sections += 1
                let children = try build(tokens, &index, closing: (name, line))
                nodes.append(.section(path: try path(name, line), inverted: inverted, children: children, line: line, id: id))
            case .close(let name, let line):
                guard let closing else {
                    throw TemplateError(source: source, line: line, message: "{{/\(name)}} closes no section")
                }
                guard closing.name == name else {
                    throw TemplateError(
                        source: source, line: line,
                        message: "{{/\(name)}} does not match {{#\(closing.name)}} opened on line \(closing.line)")
                }
                return nodes
            }
        }
        if let closing {
            throw TemplateError(
                source: source, line: closing.line, message: "section {{#\(closing.name)}} is never closed")
        }
        return nodes
    }

    private func path(_ name: String, _ line: Int) throws(TemplateError) -> [String] {
        if name == "." { return ["."] }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !name.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } })
        else {
            throw TemplateError(source: source, line: line, message: "\"\(name)\" is not a valid name")
        }
        return parts
    }

    /// Splits into text and tags, line by line, applying the standalone rule.
    private func tokenize() throws(TemplateError) -> [Token] {
        var tokens: [Token] = []
        var pendingText = ""
        var lineNumber = 0
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let endsWithNewline = text.hasSuffix("\n")
        if endsWithNewline { lines.removeLast() }
        for (i, rawLine) in lines.enumerated() {
            lineNumber += 1
            let hasNewline = i < lines.count - 1 || endsWithNewline
            var lineTokens: [Token] = []
            var rest = Substring(rawLine)
            var standaloneCandidate = true
            var sawTag = false
            while let open = rest.range(of: "{{") {
                let before = rest[..<open.lowerBound]
                if !before.isEmpty {
                    lineTokens.append(.text(String(before)))
                    if !before.allSatisfy({ $0 == " " || $0 == "\t" }) { standaloneCandidate = false }
                }
                var afterOpen = rest[open.upperBound...]
                var closer = "}}"
                if afterOpen.first == "{" {
                    closer = "}}}"
                    afterOpen = afterOpen.dropFirst()
                }
                guard let close = afterOpen.range(of: closer) else {
                    throw TemplateError(source: source, line: lineNumber, message: "unclosed tag \"{{\"")
                }
                let content = afterOpen[..<close.lowerBound].trimmedSpaces()
                rest = afterOpen[close.upperBound...]
                sawTag = true
                if closer == "}}}" {
                    lineTokens.append(.variable(content, line: lineNumber))
                    standaloneCandidate = false
                    continue
                }
                switch content.first {
                case "#":
                    lineTokens.append(.open(String(content.dropFirst()).trimmedSpaces(), inverted: false, line: lineNumber))
                case "^":
                    lineTokens.append(.open(String(content.dropFirst()).trimmedSpaces(), inverted: true, line: lineNumber))
                case "/":
                    lineTokens.append(.close(String(content.dropFirst()).trimmedSpaces(), line: lineNumber))
                case "!":
                    break
                case "&":
                    lineTokens.append(.variable(String(content.dropFirst()).trimmedSpaces(), line: lineNumber))
                    standaloneCandidate = false
                case ">", "=", "<", "$":
                    throw TemplateError(
                        source: source, line: lineNumber,
                        message: "\"{{\(content)}}\": partials, blocks and delimiter changes are not supported")
                default:
                    lineTokens.append(.variable(content, line: lineNumber))
                    standaloneCandidate = false
                }
            }
            if !rest.isEmpty {
                lineTokens.append(.text(String(rest)))
                if !rest.allSatisfy({ $0 == " " || $0 == "\t" }) { standaloneCandidate = false }
            }
            let standalone = sawTag && standaloneCandidate
            for token in lineTokens {
                switch token {
                case .text(let s):
                    if !standalone { pendingText += s }
                default:
                    if !pendingText.isEmpty {
                        tokens.append(.text(pendingText))
                        pendingText = ""
                    }
                    tokens.append(token)
                }
            }
            if hasNewline && !standalone { pendingText += "\n" }
        }
        if !pendingText.isEmpty { tokens.append(.text(pendingText)) }
        return tokens
    }
}

extension Substring {
    fileprivate func trimmedSpaces() -> String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
extension String {
    fileprivate func trimmedSpaces() -> String {
        Substring(self).trimmedSpaces()
    }
}

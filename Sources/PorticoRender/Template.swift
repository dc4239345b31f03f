/// A parsed template in a subset of Mustache: `{{name}}`, `{{a.b}}`, `{{.}}`, sections `{{#name}}…{{/name}}`
/// (once for a true value, once per item of a list, once with a context pushed for a context),
/// inverted sections `{{^name}}…{{/name}}` and comments `{{! … }}`. `{{{name}}}` and `{{&name}}` are
/// accepted and mean the same as `{{name}}`: nothing is HTML-escaped, since the values are nginx
/// tokens that `Validation` has already made safe. A tag alone on its line removes the line.
/// Unlike Mustache, a name that no context defines is an error, so a typo in an operator's template
/// fails loudly instead of silently dropping a directive.
public struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(path: [String], line: Int)
        case section(path: [String], inverted: Bool, children: [Node], line: Int)
    }

    let nodes: [Node]
    /// Where the template came from, for error messages (`default`, or the `--template` file).
    public let source: String

    public init(_ text: String, source: String) throws(TemplateError) {
        self.source = source
        var parser = TemplateParser(text: text, source: source)
        nodes = try parser.parse()
    }

    public func render(_ context: any TemplateContext) throws(TemplateError) -> String {
        var out = ""
        try render(context, to: &out)
        return out
    }

    /// Writes the text piece by piece as it is produced, so that a large config is never held whole.
    public func render(_ context: any TemplateContext, to out: inout some TextOutputStream) throws(TemplateError) {
        var stack: [TemplateValue] = [.context(context)]
        try render(nodes, &stack, &out)
    }

    private func lookup(_ path: [String], _ stack: [TemplateValue], line: Int) throws(TemplateError) -> TemplateValue {
        if path == ["."] { return stack[stack.count - 1] }
        var found: TemplateValue?
        for frame in stack.reversed() {
            if case .context(let c) = frame, let v = c.value(for: path[0]) {
                found = v
                break
            }
        }
        guard var value = found else {
            throw TemplateError(source: source, line: line, message: "unknown name \"\(path.joined(separator: "."))\"")
        }
        for key in path.dropFirst() {
            guard case .context(let c) = value, let next = c.value(for: key) else {
                throw TemplateError(
                    source: source, line: line, message: "unknown name \"\(path.joined(separator: "."))\"")
            }
            value = next
        }
        return value
    }

    private func render(
        _ nodes: [Node], _ stack: inout [TemplateValue], _ out: inout some TextOutputStream
    ) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let text):
                out.write(text)
            case .variable(let path, let line):
                switch try lookup(path, stack, line: line) {
                case .string(let s): out.write(s)
                case .bool(let b): out.write(b ? "true" : "false")
                case .list, .lazyList, .context:
                    throw TemplateError(
                        source: source, line: line,
                        message: "\"\(path.joined(separator: "."))\" is a list or a context; use it as a section")
                }
            case .section(let path, let inverted, let children, let line):
                let value = try lookup(path, stack, line: line)
                if inverted {
                    if !value.isTruthy { try render(children, &stack, &out) }
                    continue
                }
                switch value {
                case .bool(let b):
                    if b { try render(children, &stack, &out) }
                case .string(let s):
                    if !s.isEmpty {
                        stack.append(value)
                        try render(children, &stack, &out)
                        stack.removeLast()
                    }
                case .context:
                    stack.append(value)
                    try render(children, &stack, &out)
                    stack.removeLast()
                case .list(let items):
                    for item in items {
                        stack.append(item)
                        try render(children, &stack, &out)
                        stack.removeLast()
                    }
                case .lazyList(let list):
                    for index in 0..<list.count {
                        stack.append(list.item(index))
                        try render(children, &stack, &out)
                        stack.removeLast()
                    }
                }
            }
        }
    }
}

/// A value a template can read.
public enum TemplateValue: Sendable {
    case string(String)
    case bool(Bool)
    case list([TemplateValue])
    /// A list whose items are made one at a time as the template reaches them, so that only the
    /// item being rendered exists (a server's locations, not every server's).
    case lazyList(TemplateList)
    case context(any TemplateContext)

    var isTruthy: Bool {
        switch self {
        case .string(let s): !s.isEmpty
        case .bool(let b): b
        case .list(let l): !l.isEmpty
        case .lazyList(let l): l.count > 0
        case .context: true
        }
    }
}

/// `count` items, each made by `item` when the template reaches it.
public struct TemplateList: Sendable {
    public let count: Int
    public let item: @Sendable (Int) -> TemplateValue

    public init(count: Int, item: @escaping @Sendable (Int) -> TemplateValue) {
        self.count = count
        self.item = item
    }
}

/// Something with named values; implemented with a `switch`, so rendering needs no reflection.
public protocol TemplateContext: Sendable {
    func value(for key: String) -> TemplateValue?
}

public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var message: String

    public var description: String { "template \(source): line \(line): \(message)" }
}

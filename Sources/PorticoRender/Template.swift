import Foundation

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
        /// `id` numbers sections in the order they open.
        case section(path: [String], inverted: Bool, children: [Node], line: Int, id: Int)
    }

    let nodes: [Node]
    /// Where the template came from, for error messages (`default`, or the `--template` file).
    public let source: String
    /// Tells a render cache which template its texts came from.
    let token = Token()
    final class Token: Sendable {}

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
    /// With a cache, list items that carry an identity and render as they did last time (same
    /// identity, same section, nothing read from outside the item) are written from the cache.
    public func render(
        _ context: any TemplateContext, cache: RenderCache? = nil, to out: inout some TextOutputStream
    ) throws(TemplateError) {
        try render(context, cache: cache, inTurn: false, to: &out)
    }

    /// `inTurn`: every item on this thread, even of a long list (what the parallel render is
    /// compared with).
    func render(
        _ context: any TemplateContext, cache: RenderCache?, inTurn: Bool, to out: inout some TextOutputStream
    ) throws(TemplateError) {
        guard let cache else {
            var run = Run(source: source, previous: nil, parallel: !inTurn && ProcessInfo.processInfo.activeProcessorCount > 1)
            var stack: [TemplateValue] = [.context(context)]
            try run.render(nodes, &stack, &out)
            return
        }
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if cache.template !== token {
            cache.template = token
            cache.entries = [:]
            cache.written = nil
        }
        // Texts handed over with the output they were written into are copied from there.
        let earlier = cache.written?.output
        cache.written = nil
        var run = Run(source: source, previous: cache.entries, earlier: earlier)
        var stack: [TemplateValue] = [.context(context)]
        // Until it completes, this render has no output to adopt and no entries to keep.
        cache.renders += 1
        cache.entries = [:]
        cache.lastCount = -1
        try run.render(nodes, &stack, &out)
        run.flush(&out)
        // An output changed while its text was copied: what this render wrote cannot be trusted.
        if run.unreadable || run.outputsRead.contains(where: { !$0.isUnchanged() }) {
            throw TemplateError.changedOutput(source: source)
        }
        // Only what this render used is kept: a host that went away takes its text with it.
        cache.entries = run.next
        cache.lastRender = (run.reused, run.rendered)
        cache.lastCount = run.written
    }

    /// One render's state: the stack of contexts lives in the calls; this holds what the cache needs.
    private struct Run {
        let source: String
        /// The last render's entries, section by section in the order it wrote them: an item is
        /// looked for where the walk through them is, and by key only when it is not there.
        let previous: [Int: [RenderCache.Entry]]?
        var byKey: [RenderCache.Slot: Int]?
        /// Where each section's walk through the previous entries is.
        var cursors: [Int: Int] = [:]
        /// The output the previous entries without text of their own were written into.
        let earlier: (any RenderedOutput)?
        /// The outputs checked for being as written, and the ones text is copied from.
        var checked: [ObjectIdentifier: Bool] = [:]
        var outputsRead: [any RenderedOutput] = []
        /// Set when an output could not be read back.
        var unreadable = false
        /// Reused text not written yet: consecutive unchanged items are usually one run of the
        /// output they come from, copied at once.
        var pending: (text: RenderCache.Text, count: Int)?
        /// How deep in items rendered aside (into a String of their own) the render is: reused
        /// text goes into the output at once there.
        var aside = 0
        /// The text of the items this render makes, end to end: one buffer, let go of as a whole
        /// once the output is adopted (thousands of small strings would leave the heap's pages
        /// holey, with the cache's other objects among them).
        let fresh = RenderCache.TextBuffer([])
        var next: [Int: [RenderCache.Entry]] = [:]
        /// UTF-8 bytes written so far: where the next text starts in the output.
        var written = 0
        /// The lowest stack frame a name was found in since this was last reset: an item whose text
        /// read a name from below its own frame depends on more than its identity.
        var lowestFrame = Int.max
        var reused = 0
        var rendered = 0
        /// Whether a long list's items may be rendered on several threads (a render without a
        /// cache, at its outermost list only: the threads' own runs render their items in turn).
        let parallel: Bool

        init(source: String, previous: [Int: [RenderCache.Entry]]?, earlier: (any RenderedOutput)? = nil, parallel: Bool = false) {
            self.source = source
            self.previous = previous
            self.earlier = earlier
            self.parallel = parallel
        }

        /// Lists shorter than this are rendered in turn: starting threads costs more than it saves.
        static let parallelMinimum = 256

        /// A long list without a cache (`portico render`, a first render): its items rendered by a
        /// thread per core, a batch at a time, each item into a String of its own, then written in
        /// order. The output is the same bytes a render in turn writes; a batch at a time, so that
        /// only a batch's text is held, not the whole config's.
        private mutating func renderInParallel(
            _ list: TemplateList, _ children: [Node], _ stack: [TemplateValue], _ out: inout some TextOutputStream
        ) throws(TemplateError) {
            let workers = min(ProcessInfo.processInfo.activeProcessorCount, 8)
            let batch = workers * 128
            var start = 0
            while start < list.count {
                let end = min(start + batch, list.count)
                let texts = BatchTexts(count: end - start)
                let (source, first) = (source, start)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var run = Run(source: source, previous: nil)
                    // Interleaved, so that each thread gets as many large items as small ones.
                    for index in stride(from: first + worker, to: end, by: workers) {
                        var frames = stack
                        frames.append(list.item(index))
                        var text = ""
                        do throws(TemplateError) {
                            try run.render(children, &frames, &text)
                            texts.set(index - first, .success(text))
                        } catch {
                            texts.set(index - first, .failure(error))
                            return
                        }
                    }
                }
                for result in texts.results {
                    switch result {
                    case .success(let text): emit(text, &out)
                    case .failure(let error): throw error
                    // A thread stops at its first error: nothing after it is written anyway.
                    case nil: continue
                    }
                }
                start = end
            }
        }

        /// The previous render's entry for `key` in a section: the one at `cursor` when it has
        /// that key (a list whose items did not move), else found by key; `cursor` goes past it.
        private mutating func previousEntry(_ old: [RenderCache.Entry], section: Int, key: String, cursor: inout Int) -> RenderCache.Entry? {
            if cursor < old.count, old[cursor].identity.key == key {
                cursor += 1
                return old[cursor - 1]
            }
            if byKey == nil {
                var index: [RenderCache.Slot: Int] = [:]
                for (id, entries) in previous ?? [:] {
                    for (position, entry) in entries.enumerated() { index[RenderCache.Slot(section: id, key: entry.identity.key)] = position }
                }
                byKey = index
            }
            guard let position = byKey?[RenderCache.Slot(section: section, key: key)] else { return nil }
            cursor = position + 1
            return old[position]
        }

        private mutating func lookup(_ path: [String], _ stack: [TemplateValue], line: Int) throws(TemplateError) -> TemplateValue {
            if path.count == 1, path[0] == "." { return stack[stack.count - 1] }
            var found: TemplateValue?
            for frame in stack.indices.reversed() {
                if case .context(let c) = stack[frame], let v = c.value(for: path[0]) {
                    found = v
                    lowestFrame = min(lowestFrame, frame)
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

        private mutating func emit(_ text: String, _ out: inout some TextOutputStream) {
            if aside == 0 { flush(&out) }
            written += text.utf8.count
            out.write(text)
        }

        /// Where an entry's text is: its own, or in the output it was last written into (nil when
        /// that is not as it was written).
        private mutating func text(of entry: RenderCache.Entry) -> RenderCache.Text? {
            guard let text = entry.text ?? earlier.map({ RenderCache.Text(source: .output($0), offset: entry.offset) }) else {
                return nil
            }
            guard case .output(let output) = text.source else { return text }
            guard text.offset >= 0, text.offset + entry.count <= output.count, isUnchanged(output) else { return nil }
            return text
        }

        private mutating func isUnchanged(_ output: any RenderedOutput) -> Bool {
            let id = ObjectIdentifier(output)
            if let known = checked[id] { return known }
            let unchanged = output.isUnchanged()
            checked[id] = unchanged
            if unchanged { outputsRead.append(output) }
            return unchanged
        }

        /// Reused text, held back while the next item's text follows it where it comes from.
        private mutating func emit(_ text: RenderCache.Text, count: Int, _ out: inout some TextOutputStream) {
            written += count
            guard aside == 0 else { return write(text, count: count, &out) }
            if let p = pending, p.text.source.isSame(as: text.source), p.text.offset + p.count == text.offset {
                pending = (p.text, p.count + count)
                return
            }
            flush(&out)
            pending = (text, count)
        }

        mutating func flush(_ out: inout some TextOutputStream) {
            guard let p = pending else { return }
            pending = nil
            write(p.text, count: p.count, &out)
        }

        private mutating func write(_ text: RenderCache.Text, count: Int, _ out: inout some TextOutputStream) {
            switch text.source {
            case .buffer(let buffer):
                buffer.bytes.withUnsafeBufferPointer { all in
                    Self.put(UnsafeBufferPointer(rebasing: all[text.offset..<text.offset + count]), &out)
                }
            case .output(let output):
                // A file copies from a file by itself; anything else gets the bytes read back.
                let raw = out as? any UTF8OutputStream
                if let raw, raw.write(output, offset: text.offset, count: count) { return }
                // Into a String, whole: a piece could end inside a character.
                let piece = raw == nil ? count : min(count, 1 << 16)
                var bytes = [UInt8](repeating: 0, count: piece)
                var done = 0
                while done < count {
                    let n = min(piece, count - done)
                    let read = bytes.withUnsafeMutableBytes { output.read(at: text.offset + done, into: .init(rebasing: $0[..<n])) }
                    guard read else {
                        unreadable = true
                        return
                    }
                    bytes.withUnsafeBufferPointer { Self.put(UnsafeBufferPointer(rebasing: $0[..<n]), &out) }
                    done += n
                }
            }
        }

        /// A file takes the bytes as they are; anything else, as a String.
        private static func put(_ bytes: UnsafeBufferPointer<UInt8>, _ out: inout some TextOutputStream) {
            if let raw = out as? any UTF8OutputStream {
                raw.write(utf8: bytes)
            } else {
                out.write(String(decoding: bytes, as: UTF8.self))
            }
        }

        mutating func render(
            _ nodes: [Node], _ stack: inout [TemplateValue], _ out: inout some TextOutputStream
        ) throws(TemplateError) {
            for node in nodes {
                switch node {
                case .text(let text):
                    emit(text, &out)
                case .variable(let path, let line):
                    switch try lookup(path, stack, line: line) {
                    case .string(let s): emit(s, &out)
                    case .bool(let b): emit(b ? "true" : "false", &out)
                    case .list, .lazyList, .context:
                        throw TemplateError(
                            source: source, line: line,
                            message: "\"\(path.joined(separator: "."))\" is a list or a context; use it as a section")
                    }
                case .section(let path, let inverted, let children, let line, let id):
                    let value = try lookup(path, stack, line: line)
                    if inverted {
                        if !value.isTruthy { try render(children, &stack, &out) }
                        continue
                    }
                    try section(value, children, id: id, &stack, &out)
                }
            }
        }

        private mutating func section(
            _ value: TemplateValue, _ children: [Node], id: Int, _ stack: inout [TemplateValue],
            _ out: inout some TextOutputStream
        ) throws(TemplateError) {
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
            case .lazyList(let list) where previous == nil && parallel && list.count >= Self.parallelMinimum:
                try renderInParallel(list, children, stack, &out)
            case .lazyList(let list):
                let old = previous?[id] ?? []
                var cursor = cursors[id] ?? 0
                var made: [RenderCache.Entry] = []
                defer {
                    cursors[id] = cursor
                    if !made.isEmpty { next[id, default: []] += made }
                }
                for index in 0..<list.count {
                    guard previous != nil, let identity = list.identity?(index) else {
                        stack.append(list.item(index))
                        try render(children, &stack, &out)
                        stack.removeLast()
                        continue
                    }
                    if made.isEmpty { made.reserveCapacity(list.count) }
                    if let hit = previousEntry(old, section: id, key: identity.key, cursor: &cursor), hit.identity.equals(identity),
                        let text = text(of: hit)
                    {
                        (hit.text, hit.offset) = (text, written)
                        made.append(hit)
                        emit(text, count: hit.count, &out)
                        reused += 1
                        continue
                    }
                    stack.append(list.item(index))
                    let outer = lowestFrame
                    lowestFrame = Int.max
                    // Rendered aside first: counted once, as it goes into the output.
                    let start = written
                    var text = ""
                    aside += 1
                    try render(children, &stack, &text)
                    aside -= 1
                    written = start
                    let readOutside = lowestFrame < stack.count - 1
                    lowestFrame = min(outer, lowestFrame)
                    stack.removeLast()
                    if !readOutside {
                        let kept = RenderCache.Text(source: .buffer(fresh), offset: fresh.bytes.count)
                        fresh.bytes.append(contentsOf: text.utf8)
                        made.append(RenderCache.Entry(identity: identity, text: kept, offset: written, count: text.utf8.count))
                    }
                    emit(text, &out)
                    rendered += 1
                }
            }
        }
    }
}

/// One batch's item texts (or the error that stopped a thread), each slot written by one thread
/// only, and read once every thread is done.
private final class BatchTexts: @unchecked Sendable {
    private var slots: [Result<String, TemplateError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<String, TemplateError>) {
        lock.withLock { slots[index] = result }
    }

    var results: [Result<String, TemplateError>?] { lock.withLock { slots } }
}

/// The text of list items from the last render, for the next one to reuse: the controller renders
/// a whole config for every change, and at 10,000 hosts all but one or two are as they were. One
/// render at a time uses a cache; it holds what the last one used and nothing else.
///
/// Once the output of that render is written (nginx.conf) and handed over with `adopt`, the cache
/// keeps only where each text is in it, and the next render copies the texts from there, as long
/// as the output says it is as written: the file is in the page cache anyway, and a second copy of
/// it in the heap was 13 MB at 10,000 hosts. Unchanged items are mostly one run of the file, which
/// a file output copies in one call without reading it.
public final class RenderCache: @unchecked Sendable {
    struct Slot: Hashable {
        let section: Int
        let key: String
    }

    /// A class, so that carrying an entry from one render's table to the next is one retain.
    final class Entry {
        let identity: TemplateItemIdentity
        /// Nil once the output it was last written into is adopted: then read from there.
        var text: Text?
        /// Where the text starts in the last render's output, and its length, in UTF-8 bytes.
        var offset: Int
        let count: Int

        init(identity: TemplateItemIdentity, text: Text, offset: Int, count: Int) {
            self.identity = identity
            self.text = text
            self.offset = offset
            self.count = count
        }
    }

    /// Where an entry's text is until its output is adopted: among the texts its render made, or
    /// in the adopted output it was copied from. Either goes when no entry needs it.
    struct Text {
        let source: Source
        let offset: Int
    }

    enum Source {
        case buffer(TextBuffer)
        case output(any RenderedOutput)

        func isSame(as other: Source) -> Bool {
            switch (self, other) {
            case (.buffer(let a), .buffer(let b)): a === b
            case (.output(let a), .output(let b)): a === b
            default: false
            }
        }
    }

    final class TextBuffer {
        var bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    let lock = NSLock()
    var template: Template.Token?
    /// Each keyed section's entries (by the section's number), in the order they were written.
    var entries: [Int: [Entry]] = [:]
    var lastRender = (reused: 0, rendered: 0)
    /// Renders so far, and the bytes the last one wrote.
    var renders = 0
    var lastCount = 0
    /// The last render's output, as its consumer wrote it, once adopted.
    var written: (output: any RenderedOutput, count: Int)?

    public init() {}

    /// How many keyed items the last render wrote from the cache, and how many it rendered.
    public var lastCounts: (reused: Int, rendered: Int) { lock.withLock { lastRender } }

    /// The number of the last render, to name it to `adopt`.
    public var lastRenderNumber: Int { lock.withLock { renders } }

    /// `output` holds exactly what render number `render` wrote: its texts are copied from there
    /// from now on, and the cache lets go of its own copies. Nothing happens if another render came
    /// since, or if the output is not as long as what that render wrote.
    public func adopt(_ output: some RenderedOutput, render: Int) {
        lock.withLock {
            guard render == renders, output.count == lastCount else { return }
            written = (output, lastCount)
            for section in entries.values { for entry in section { entry.text = nil } }
        }
    }
}

/// An output stream that takes UTF-8 as it is (a file): text a render cache reuses is written
/// without being made a String first.
public protocol UTF8OutputStream: AnyObject, TextOutputStream {
    func write(utf8: UnsafeBufferPointer<UInt8>)
    /// Writes `count` bytes of `output` from `offset` as they are there, if it can without the
    /// renderer reading them (a file copied into a file); false, having written nothing, if not.
    func write(_ output: any RenderedOutput, offset: Int, count: Int) -> Bool
}

extension UTF8OutputStream {
    public func write(_ output: any RenderedOutput, offset: Int, count: Int) -> Bool { false }
}

/// The text a render wrote, readable again: a config file as it was written.
public protocol RenderedOutput: AnyObject, Sendable {
    /// Its length in bytes when it was written.
    var count: Int { get }
    /// Whether it still holds what was written (nothing wrote to it since it was handed over):
    /// checked before its text is reused, and again once the render that reused it is done.
    func isUnchanged() -> Bool
    /// Fills `buffer` with its bytes from `offset`; false when it cannot.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool
}

/// What a list item's text depends on, besides the template: `key` names it among the list's
/// items (a host), `value` must be equal exactly when the item would render the same text.
public struct TemplateItemIdentity: Sendable {
    public let key: String
    let value: Value

    public init(key: String, value: some Equatable & Sendable) {
        self.key = key
        self.value = Box(value)
    }

    func equals(_ other: TemplateItemIdentity) -> Bool {
        key == other.key && value.equals(other.value)
    }

    /// The value in a class: comparing two is a check of their class and `==`, where an
    /// existential's cast copied the value out first (20,000 times a render at 10,000 hosts).
    class Value: @unchecked Sendable {
        func equals(_ other: Value) -> Bool { false }
    }

    final class Box<T: Equatable & Sendable>: Value, @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }

        override func equals(_ other: Value) -> Bool {
            guard let other = other as? Box<T> else { return false }
            return other === self || other.value == value
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

/// `count` items, each made by `item` when the template reaches it. With `identity`, a render
/// cache can write an item's text from the last render instead of making and rendering it.
public struct TemplateList: Sendable {
    public let count: Int
    public let item: @Sendable (Int) -> TemplateValue
    public let identity: (@Sendable (Int) -> TemplateItemIdentity)?

    public init(
        count: Int, identity: (@Sendable (Int) -> TemplateItemIdentity)? = nil,
        item: @escaping @Sendable (Int) -> TemplateValue
    ) {
        self.count = count
        self.item = item
        self.identity = identity
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

    /// The output a render cache copied text from changed while it was copied: nothing that render
    /// wrote can be trusted, and the cache has let go of it (rendering again renders every item).
    static func changedOutput(source: String) -> TemplateError {
        TemplateError(source: source, line: 0, message: changedOutputMessage)
    }

    private static let changedOutputMessage = "the output reused text was copied from changed while it was copied"

    public var isChangedOutput: Bool { line == 0 && message == Self.changedOutputMessage }
}

import Testing

@testable import PorticoRender

struct Ctx: TemplateContext {
    var values: [String: TemplateValue]
    func value(for key: String) -> TemplateValue? { values[key] }
}

@Suite struct TemplateTests {
    func render(_ text: String, _ values: [String: TemplateValue]) throws -> String {
        try Template(text, source: "t").render(Ctx(values: values))
    }

    @Test func variablesSectionsAndInvertedSections() throws {
        let items: TemplateValue = .list([
            .context(Ctx(values: ["n": .string("a")])), .context(Ctx(values: ["n": .string("b")])),
        ])
        #expect(try render("{{#items}}<{{n}}{{top}}>{{/items}}", ["items": items, "top": .string("!")]) == "<a!><b!>")
        #expect(try render("{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}", ["flag": .bool(false)]) == "no")
        #expect(try render("{{^items}}none{{/items}}", ["items": .list([])]) == "none")
        #expect(try render("{{#s}}[{{.}}]{{/s}}", ["s": .string("x")]) == "[x]")
        #expect(try render("{{a.b}}", ["a": .context(Ctx(values: ["b": .string("deep")]))]) == "deep")
        #expect(try render("{{{raw}}} {{&raw}} {{raw}}", ["raw": .string("<\"&>")]) == "<\"&> <\"&> <\"&>")
    }

    /// A cache writes an item from the last render only when its identity is the same and its
    /// text read nothing outside the item.
    @Test func aCacheReusesItemsThatReadOnlyThemselves() throws {
        let template = try Template("{{#items}}<{{n}}>{{/items}}|{{#items}}({{n}}{{top}}){{/items}}", source: "t")
        let cache = RenderCache()
        func render(_ names: [String], top: String) throws -> String {
            let list = TemplateList(
                count: names.count, identity: { TemplateItemIdentity(key: "\($0)", value: names[$0]) },
                item: { .context(Ctx(values: ["n": .string(names[$0])])) })
            var out = ""
            try template.render(Ctx(values: ["items": .lazyList(list), "top": .string(top)]), cache: cache, to: &out)
            return out
        }
        #expect(try render(["a", "b"], top: "!") == "<a><b>|(a!)(b!)")
        #expect(cache.lastCounts == (0, 4))
        // The first section's items come back from the cache; the second's read `top`, so never.
        #expect(try render(["a", "b"], top: "?") == "<a><b>|(a?)(b?)")
        #expect(cache.lastCounts == (2, 2))
        // A changed identity renders again.
        #expect(try render(["a", "c"], top: "?") == "<a><c>|(a?)(c?)")
        #expect(cache.lastCounts == (1, 3))
        // Another template with the same cache starts afresh.
        let other = try Template("{{#items}}[{{n}}]{{/items}}", source: "u")
        var out = ""
        let list = TemplateList(count: 1, identity: { _ in TemplateItemIdentity(key: "0", value: "a") }, item: { _ in .context(Ctx(values: ["n": .string("a")])) })
        try other.render(Ctx(values: ["items": .lazyList(list)]), cache: cache, to: &out)
        #expect(out == "[a]")
        #expect(cache.lastCounts == (0, 1))
    }

    /// An output as its consumer wrote it, for `RenderCache.adopt`: unchanged for its first
    /// `checks` checks (all of them by default), changed after.
    final class Written: RenderedOutput, @unchecked Sendable {
        let bytes: [UInt8]
        private var checks: Int
        init(text: String, readable: Bool = true, checks: Int = .max) {
            bytes = Array(text.utf8)
            self.checks = readable ? checks : 0
        }
        var count: Int { bytes.count }
        func isUnchanged() -> Bool {
            checks -= 1
            return checks >= 0
        }
        func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
            guard offset + buffer.count <= bytes.count else { return false }
            bytes.withUnsafeBytes { buffer.copyMemory(from: .init(rebasing: $0[offset..<offset + buffer.count])) }
            return true
        }
    }

    static let itemsText = "head {{#items}}<{{n}}>{{/items}} tail"

    /// `names` as a list keyed by name, through a template of `itemsText` (one template for all
    /// the renders of a cache: another one starts the cache afresh).
    static func renderItems(
        _ template: Template, _ names: [String], cache: RenderCache, to out: inout some TextOutputStream
    ) throws(TemplateError) {
        let list = TemplateList(
            count: names.count, identity: { TemplateItemIdentity(key: names[$0], value: names[$0]) },
            item: { .context(Ctx(values: ["n": .string(names[$0])])) })
        try template.render(Ctx(values: ["items": .lazyList(list)]), cache: cache, to: &out)
    }

    /// Once the output is adopted, the cache keeps only where each text is in it and reads the
    /// texts back from there; an output it cannot read back, or one another render came after, only
    /// costs a render of every item.
    @Test func aCacheReadsTextBackFromTheAdoptedOutput() throws {
        let template = try Template(Self.itemsText, source: "t"), cache = RenderCache()
        func render(_ names: [String]) throws -> String {
            var out = ""
            try Self.renderItems(template, names, cache: cache, to: &out)
            return out
        }
        let first = try render(["a", "bé", "c"])
        cache.adopt(Written(text: first), render: cache.lastRenderNumber)
        #expect(cache.entries.values.joined().allSatisfy { $0.text == nil })
        #expect(try render(["a", "bé", "d"]) == "head <a><bé><d> tail")
        #expect(cache.lastCounts == (2, 1))
        // Not adopted: the next render reads the kept texts.
        #expect(try render(["x", "bé", "d"]) == "head <x><bé><d> tail")
        #expect(cache.lastCounts == (2, 1))
        let third = try render(["x", "bé", "d"])
        #expect(cache.lastCounts == (3, 0))
        // Too short, or for an older render: ignored.
        cache.adopt(Written(text: String(third.dropLast())), render: cache.lastRenderNumber)
        cache.adopt(Written(text: third), render: cache.lastRenderNumber - 1)
        #expect(cache.entries.values.joined().allSatisfy { $0.text != nil })
        cache.adopt(Written(text: third, readable: false), render: cache.lastRenderNumber)
        #expect(try render(["x", "bé", "d"]) == third)
        #expect(cache.lastCounts == (0, 3))
    }

    /// An output that changes while a render copies text from it (someone wrote to the config file
    /// on disk) fails that render, never gives wrong text; the next render renders every item.
    @Test func anOutputChangedWhileTextIsCopiedFailsTheRender() throws {
        let template = try Template(Self.itemsText, source: "t"), cache = RenderCache()
        func render(_ names: [String]) throws(TemplateError) -> String {
            var out = ""
            try Self.renderItems(template, names, cache: cache, to: &out)
            return out
        }
        let first = try render(["a", "b", "c"])
        cache.adopt(Written(text: first, checks: 1), render: cache.lastRenderNumber)
        do {
            _ = try render(["a", "b", "d"])
            Issue.record("a render that copied from a changed output succeeded")
        } catch {
            #expect(error.isChangedOutput)
        }
        #expect(try render(["a", "b", "d"]) == "head <a><b><d> tail")
        #expect(cache.lastCounts == (0, 3))
    }

    /// Consecutive unchanged items are copied from the adopted output as one run; an output
    /// stream that copies by itself gets the run, others the bytes.
    @Test func unchangedItemsAreCopiedFromTheOutputAsOneRun() throws {
        final class Copying: UTF8OutputStream {
            var text = ""
            var runs: [Range<Int>] = []
            func write(_ string: String) { text += string }
            func write(utf8: UnsafeBufferPointer<UInt8>) { text += String(decoding: utf8, as: UTF8.self) }
            func write(_ output: any RenderedOutput, offset: Int, count: Int) -> Bool {
                guard let written = output as? Written else { return false }
                runs.append(offset..<offset + count)
                text += String(decoding: written.bytes[offset..<offset + count], as: UTF8.self)
                return true
            }
        }
        let template = try Template(Self.itemsText, source: "t"), cache = RenderCache()
        func render(_ names: [String]) throws -> Copying {
            var out = Copying()
            try Self.renderItems(template, names, cache: cache, to: &out)
            return out
        }
        let first = try render(["a", "bé", "c", "d", "e"])
        #expect(first.text == "head <a><bé><c><d><e> tail")
        cache.adopt(Written(text: first.text), render: cache.lastRenderNumber)
        let second = try render(["a", "bé", "x", "d", "e"])
        #expect(second.text == "head <a><bé><x><d><e> tail")
        #expect(second.runs == [5..<13, 16..<22])
        #expect(cache.lastCounts == (4, 1))
    }

    @Test func standaloneTagLinesDisappear() throws {
        let text = "a\n  {{#x}}\n  b\n  {{/x}}\n{{! comment }}\nc\n"
        #expect(try render(text, ["x": .bool(true)]) == "a\n  b\nc\n")
        #expect(try render(text, ["x": .bool(false)]) == "a\nc\n")
        #expect(try render("x {{#y}}inline{{/y}} z\n", ["y": .bool(true)]) == "x inline z\n")
    }

    @Test(arguments: [
        ("{{#a}}x", "line 1: section {{#a}} is never closed"),
        ("{{#a}}\n{{/b}}", "line 2: {{/b}} does not match {{#a}} opened on line 1"),
        ("{{/a}}", "line 1: {{/a}} closes no section"),
        ("x\n{{a", "line 2: unclosed tag \"{{\""),
        ("{{> partial}}", "partials, blocks and delimiter changes are not supported"),
        ("{{a b}}", "\"a b\" is not a valid name"),
    ])
    func parseErrorsNameTheLine(text: String, message: String) {
        #expect {
            _ = try Template(text, source: "t")
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func unknownNamesAreErrorsNotSilence() {
        #expect {
            _ = try render("ok\n{{#list}}{{missing}}{{/list}}", ["list": .list([.context(Ctx(values: [:]))])])
        } throws: { error in
            "\(error)" == "template t: line 2: unknown name \"missing\""
        }
    }

    /// A long list is rendered a batch at a time on several threads: the bytes are the ones a
    /// render in turn writes, and an error is the one the first failing item (in order) gives.
    @Test func aLongListRendersAsInTurnOnSeveralThreads() throws {
        let template = try Template(
            "head {{top}}\n{{#items}}\n[{{n}}{{#inner}}<{{m}}{{top}}>{{/inner}}]\n{{#a}}{{missingA}}{{/a}}\n{{#b}}{{missingB}}{{/b}}\n{{/items}}\ntail\n",
            source: "t")
        func items(failing: Set<Int> = [], count: Int = 3000) -> TemplateValue {
            .lazyList(
                TemplateList(count: count) { i in
                    let inner = TemplateList(count: i % 7) { j in .context(Ctx(values: ["m": .string("\(i).\(j)")])) }
                    return .context(
                        Ctx(values: [
                            "n": .string(String(repeating: "x", count: i % 13) + "\(i)"), "inner": .lazyList(inner),
                            "a": .bool(failing.contains(i) && i % 2 == 0), "b": .bool(failing.contains(i) && i % 2 == 1),
                        ]))
                })
        }
        func render(_ values: [String: TemplateValue], inTurn: Bool) throws(TemplateError) -> String {
            var out = ""
            try template.render(Ctx(values: values), cache: nil, inTurn: inTurn, to: &out)
            return out
        }
        let values: [String: TemplateValue] = ["top": .string("!"), "items": items()]
        let parallel = try render(values, inTurn: false)
        #expect(parallel == (try render(values, inTurn: true)))
        // The {{#a}} and {{#b}} lines are not standalone, so each leaves its newline.
        #expect(parallel.hasPrefix("head !\n[0]\n\n\n[x1<1.0!>]\n\n\n") && parallel.hasSuffix("]\n\n\ntail\n"))
        #expect(parallel.split(separator: "\n").count == 3002)
        // Item 1333 fails on line 5 and item 1334 on line 4 (on another thread): 1333 comes first.
        let failing: [String: TemplateValue] = ["top": .string("!"), "items": items(failing: [1334, 1333, 2999])]
        for inTurn in [false, true] {
            #expect(throws: TemplateError(source: "t", line: 5, message: "unknown name \"missingB\"")) {
                try render(failing, inTurn: inTurn)
            }
        }
    }

    @Test func defaultTemplateParses() throws {
        _ = try Template(DefaultTemplate.text, source: "default")
    }
}

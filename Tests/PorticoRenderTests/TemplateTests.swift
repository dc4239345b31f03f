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

    /// An output as its consumer wrote it, for `RenderCache.adopt`.
    struct Written: RenderedOutput {
        var text: String
        var readable = true
        var count: Int { text.utf8.count }
        func bytes() -> [UInt8]? { readable ? Array(text.utf8) : nil }
    }

    /// Once the output is adopted, the cache keeps only where each text is in it and reads the
    /// texts back from there; an output it cannot read back, or one another render came after, only
    /// costs a render of every item.
    @Test func aCacheReadsTextBackFromTheAdoptedOutput() throws {
        let template = try Template("head {{#items}}<{{n}}>{{/items}} tail", source: "t")
        let cache = RenderCache()
        func render(_ names: [String]) throws -> String {
            let list = TemplateList(
                count: names.count, identity: { TemplateItemIdentity(key: "\($0)", value: names[$0]) },
                item: { .context(Ctx(values: ["n": .string(names[$0])])) })
            var out = ""
            try template.render(Ctx(values: ["items": .lazyList(list)]), cache: cache, to: &out)
            return out
        }
        let first = try render(["a", "bé", "c"])
        cache.adopt(Written(text: first), render: cache.lastRenderNumber)
        #expect(cache.entries.values.allSatisfy { $0.text == nil })
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
        #expect(cache.entries.values.allSatisfy { $0.text != nil })
        cache.adopt(Written(text: third, readable: false), render: cache.lastRenderNumber)
        #expect(try render(["x", "bé", "d"]) == third)
        #expect(cache.lastCounts == (0, 3))
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

    @Test func defaultTemplateParses() throws {
        _ = try Template(DefaultTemplate.text, source: "default")
    }
}

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

import Testing

@testable import PorticoRouting

/// `--expose-services`'s selector: every operator of Kubernetes' label-selector syntax, what each
/// selects, and the syntax and names Kubernetes refuses.
@Suite struct LabelSelectorTests {
    static let labels: [String: String] = ["app": "web", "tier": "front", "portico.io/expose": "true", "replicas": "3", "empty": ""]

    /// (selector, whether it selects `labels`, and whether it selects a Service with no labels).
    @Test(arguments: [
        ("app=web", true, false), ("app==web", true, false), ("app=api", false, false),
        ("app!=api", true, true), ("app!=web", false, true),
        ("tier in (front,back)", true, false), ("tier in (back)", false, false), ("tier notin (back, cache)", true, true),
        ("tier notin (front)", false, true), ("app", true, false), ("gone", false, false), ("!gone", true, true), ("!app", false, true),
        ("portico.io/expose=true", true, false), ("portico.io/expose=true,app=web", true, false), ("portico.io/expose=true,app=api", false, false),
        ("  app = web ,  tier in(front)  ", true, false), ("replicas>2", true, false), ("replicas<3", false, false), ("app>2", false, false),
        ("empty=", true, false), ("empty in ()", true, false), ("app in (,web)", true, false), ("app notin (,)", true, true),
        // `in` and `notin` are keys and values like any other word where a key or value goes.
        ("in", false, false), ("!notin", true, true), ("app in (in,web)", true, false),
        ("app=web,app!=web", false, false),
    ])
    func selects(_ text: String, _ matchesLabels: Bool, _ matchesNone: Bool) throws {
        let selector = try LabelSelector(parsing: text)
        #expect(selector.matches(Self.labels) == matchesLabels, "\(text)")
        #expect(selector.matches(nil) == matchesNone, "\(text) on no labels")
    }

    @Test func requirementsAreParsedIntoOperatorsAndSortedValueSets() throws {
        let selector = try LabelSelector(parsing: "!a,b,c=1,d==2,e!=3,f in (z,y,z),g notin (x),h>4,i<5")
        #expect(
            selector.requirements == [
                .init(key: "a", op: .doesNotExist, values: []), .init(key: "b", op: .exists, values: []),
                .init(key: "c", op: .equals, values: ["1"]), .init(key: "d", op: .doubleEquals, values: ["2"]),
                .init(key: "e", op: .notEquals, values: ["3"]), .init(key: "f", op: .in, values: ["y", "z"]),
                .init(key: "g", op: .notIn, values: ["x"]), .init(key: "h", op: .greaterThan, values: ["4"]),
                .init(key: "i", op: .lessThan, values: ["5"]),
            ])
    }

    /// Each refused with a reason that says what was expected or what is wrong.
    @Test(arguments: [
        ("", "empty selector"), ("   ", "empty selector"), ("app=web,", "identifier after ','"), (",app", "expected: !, identifier"),
        ("app=web tier=front", "expected: ',' or 'end of string'"), ("app web", "expected: in, notin"), ("app in web", "expected: '('"),
        ("app in (web", "expected: ',' or ')'"), ("app in (a b)", "expected: ',' or ')'"), ("app in (=)", "expected: ',', ')' or identifier"),
        ("app=(web)", "expected: identifier"), ("!app=web", "expected: ',' or 'end of string'"), ("!", "expected: identifier"),
        ("!!app", "expected: identifier"), ("=web", "expected: !, identifier"), ("app=web)", "expected: ',' or 'end of string'"),
        ("-app=x", "not a label key"), ("app-=x", "not a label key"), ("Example.com/app=x", "not a label key"),
        ("a/b/c=x", "not a label key"), ("/app=x", "not a label key"), ("portico.io/=x", "not a label key"),
        (String(repeating: "k", count: 64) + "=x", "not a label key"), ("app=" + String(repeating: "v", count: 64), "not a label value"),
        ("app=-web", "not a label value"), ("app=we b", "expected: ',' or 'end of string'"), ("app=web;", "not a label value"),
        ("app=$x", "not a label value"), ("app=a\nb", "expected: ',' or 'end of string'"), ("app in (a,{)", "not a label value"),
        ("app=é", "not a label value"), ("replicas>x", "must be an integer"), ("replicas>", "must be an integer"),
        ("app in (a,b", "expected: ',' or ')'"), ("app notin", "expected: '('"),
    ])
    func refuses(_ text: String, _ reason: String) {
        #expect(throws: LabelSelector.Problem.self, "\(text)") { try LabelSelector(parsing: text) }
        do {
            _ = try LabelSelector(parsing: text)
        } catch {
            #expect(error.message.contains(reason), "\(text): \(error.message)")
        }
    }
}

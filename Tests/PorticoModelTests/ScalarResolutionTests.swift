import Foundation
import Testing

@testable import PorticoModel

/// Plain YAML scalars as Kubernetes reads them. kubectl and the API server turn YAML into JSON with
/// sigs.k8s.io/yaml `YAMLToJSON` (go-yaml v2 `resolve.go`, then `json.Marshal`), then decode the
/// JSON into the typed object with Go's JSON rules. Every row below was checked against kubectl
/// v1.32: `kubectl set selector --local -f - x=y -o json` decodes into the typed Service with no
/// server. The sources of each rule:
///   [map]   go-yaml `resolveMap`: y/Y/yes/Yes/YES/true/True/TRUE/on/On/ON are true, the n/no/false/off
///           spellings false, ""/~/null/Null/NULL null, .inf/.nan spellings floats. Nothing else.
///   [int]   go-yaml strips `_`, then `strconv.ParseInt(s, 0, 64)`: 0x, 0o, 0b prefixes (either case),
///           a leading 0 for octal, a sign; then ParseUint for values above Int64.max.
///   [float] then its pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `08` is
///           the float 8); a text starting with `.` goes to strconv.ParseFloat as written.
///   [no60]  go-yaml: "Base 60 floats are a bad idea ... purposefully unsupported": `1:20` is text.
///   [time]  a timestamp resolves to time.Time, but into interface{} go-yaml keeps the text.
///   [str]   whatever resolves to nothing else is text, as written.
///   [json]  `json.Marshal` refuses +Inf, -Inf and NaN: the whole document fails to convert.
///   [go]    Go's JSON decoder: a number or boolean into a string field is an error ("cannot
///           unmarshal number into Go struct field ObjectMeta.metadata.annotations of type
///           string"); a string into an int32 or bool field too; a float prints as an integer when
///           it has no fraction (80.0 -> 80, 1e3 -> 1000), so an int field takes it; null leaves
///           the zero value ("", 0, false).
@Suite struct ScalarResolutionTests {
    enum Outcome: Sendable, Equatable, CustomStringConvertible {
        case text(String)
        case number(Int)
        case flag(Bool)
        /// The field is named in the error.
        case refused
        /// The whole document is refused, wherever the value is.
        case documentRefused

        var description: String {
            switch self {
            case .text(let s): "text \(s.debugDescription)"
            case .number(let n): "number \(n)"
            case .flag(let b): "boolean \(b)"
            case .refused: "refused"
            case .documentRefused: "document refused"
            }
        }
    }

    struct Row: Sendable, CustomStringConvertible {
        var yaml: String
        /// As an annotation value (map[string]string), as `spec.ports[0].port` (int32) and as a bool field.
        var annotation: Outcome
        var port: Outcome
        var flag: Outcome
        var rule: String
        var description: String { "\(yaml.debugDescription) [\(rule)]" }

        init(_ yaml: String, _ annotation: Outcome, _ port: Outcome, _ flag: Outcome, _ rule: String) {
            self.yaml = yaml
            self.annotation = annotation
            self.port = port
            self.flag = flag
            self.rule = rule
        }
    }

    static let rows: [Row] = [
        Row("0x1F", .refused, .number(31), .refused, "int, go"),
        Row("0X1F", .refused, .number(31), .refused, "int, go"),
        Row("+0x1F", .refused, .number(31), .refused, "int, go"),
        Row("0o17", .refused, .number(15), .refused, "int, go"),
        Row("0O17", .refused, .number(15), .refused, "int, go"),
        Row("017", .refused, .number(15), .refused, "int: a leading 0 is octal"),
        Row("08", .refused, .number(8), .refused, "int fails (8 is not octal), float: 8.0, go"),
        Row("0b101", .refused, .number(5), .refused, "int, go"),
        Row("0B101", .refused, .number(5), .refused, "int, go"),
        Row("-0b101", .refused, .number(-5), .refused, "int, go"),
        Row("0b-101", .refused, .number(-5), .refused, "go-yaml's 0b fallback: ParseInt(\"-101\", 2)"),
        Row("1_000", .refused, .number(1000), .refused, "int: underscores removed"),
        Row("1__0", .refused, .number(10), .refused, "int: every underscore removed"),
        Row("+12", .refused, .number(12), .refused, "int, go"),
        Row("-0", .refused, .number(0), .refused, "int, go"),
        Row("1:20", .text("1:20"), .refused, .refused, "no60, str, go"),
        Row("12:30", .text("12:30"), .refused, .refused, "no60, str, go"),
        Row("12:30:45", .text("12:30:45"), .refused, .refused, "no60, str, go"),
        Row("1e3", .refused, .number(1000), .refused, "float, go: 1000 in JSON"),
        Row("1.", .refused, .number(1), .refused, "float, go"),
        Row(".5e3", .refused, .number(500), .refused, "float (ParseFloat), go"),
        Row("80.0", .refused, .number(80), .refused, "float, go: 80 in JSON"),
        Row("1.5", .refused, .refused, .refused, "float, go: 1.5 into int32"),
        Row(".5_5", .refused, .refused, .refused, "ParseFloat takes underscores between digits: 0.55"),
        Row("1e400", .text("1e400"), .refused, .refused, "ParseFloat range error, so str"),
        Row("1e1_0", .refused, .refused, .refused, "float 1e10, go: beyond int32"),
        Row("9223372036854775808", .refused, .refused, .refused, "int: ParseUint, go: out of range"),
        Row("18446744073709551615", .refused, .refused, .refused, "int: ParseUint, go: out of range"),
        Row("99999999999999999999", .refused, .refused, .refused, "float 1e20, go: out of range"),
        Row("0x", .text("0x"), .refused, .refused, "str"),
        Row(".inf", .documentRefused, .documentRefused, .documentRefused, "map, json"),
        Row("-.inf", .documentRefused, .documentRefused, .documentRefused, "map, json"),
        Row("+.inf", .documentRefused, .documentRefused, .documentRefused, "map, json"),
        Row(".NaN", .documentRefused, .documentRefused, .documentRefused, "map, json"),
        Row("~", .text(""), .number(0), .flag(false), "map: null, go: zero value"),
        Row("null", .text(""), .number(0), .flag(false), "map: null, go: zero value"),
        Row("", .text(""), .number(0), .flag(false), "map: null, go: zero value"),
        Row("yes", .refused, .refused, .flag(true), "map, go"),
        Row("Yes", .refused, .refused, .flag(true), "map, go"),
        Row("no", .refused, .refused, .flag(false), "map, go"),
        Row("on", .refused, .refused, .flag(true), "map, go"),
        Row("ON", .refused, .refused, .flag(true), "map, go"),
        Row("off", .refused, .refused, .flag(false), "map, go"),
        Row("y", .refused, .refused, .flag(true), "map, go"),
        Row("n", .refused, .refused, .flag(false), "map, go"),
        Row("True", .refused, .refused, .flag(true), "map, go"),
        Row("FALSE", .refused, .refused, .flag(false), "map, go"),
        Row("oN", .text("oN"), .refused, .refused, "not in the map: str"),
        Row("yES", .text("yES"), .refused, .refused, "not in the map: str"),
        Row("2001-12-14t21:59:43.10-05:00", .text("2001-12-14t21:59:43.10-05:00"), .refused, .refused, "time, go"),
        Row("2002-12-14", .text("2002-12-14"), .refused, .refused, "time, go"),
        Row("::1", .text("::1"), .refused, .refused, "str, go"),
        Row("2001:db8::/32", .text("2001:db8::/32"), .refused, .refused, "str, go"),
        Row("fe80::1%eth0", .text("fe80::1%eth0"), .refused, .refused, "str, go"),
        Row("0.0.0.0/0,::/0", .text("0.0.0.0/0,::/0"), .refused, .refused, "str, go"),
        Row("127.0.0.1:9090", .text("127.0.0.1:9090"), .refused, .refused, "str, go"),
        Row("<<", .text("<<"), .refused, .refused, "a merge key only as a key: str"),
        Row("\"80\"", .text("80"), .refused, .refused, "quoted: str"),
        Row("'yes'", .text("yes"), .refused, .refused, "quoted: str"),
        Row("!!str 80", .text("80"), .refused, .refused, "tag !!str: str"),
        Row("! 80", .text("80"), .refused, .refused, "a tag go-yaml does not resolve: str"),
        Row("!!int \"80\"", .refused, .number(80), .refused, "tag !!int resolves even quoted text"),
        Row("!!float 1", .refused, .number(1), .refused, "tag !!float takes an int, go"),
        Row("!!bool yes", .refused, .refused, .flag(true), "tag !!bool"),
        Row("!!null ~", .text(""), .number(0), .flag(false), "tag !!null, go: zero value"),
        Row("!!timestamp 2001-12-14", .text("2001-12-14"), .refused, .refused, "tag !!timestamp: the text"),
        Row("!!binary aGk=", .text("hi"), .refused, .refused, "tag !!binary: the decoded bytes"),
        Row("!!int abc", .documentRefused, .documentRefused, .documentRefused, "cannot decode !!str `abc` as a !!int"),
        Row("!!timestamp 12:30", .documentRefused, .documentRefused, .documentRefused, "not a timestamp"),
        Row(
            "!!float 18446744073709551615", .documentRefused, .documentRefused, .documentRefused,
            "go-yaml turns only int, not uint64, into !!float"),
    ]

    static func service(annotation: String? = nil, port: String = "80") -> String {
        var yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
        if let annotation { yaml += "  annotations:\n    x: \(annotation)\n" }
        return yaml + "spec:\n  ports:\n  - port: \(port)\n"
    }

    func outcome(_ yaml: String, field: String, _ read: ([KubeObject]) -> Outcome) -> Outcome {
        do {
            return read(try ManifestDecoder.decode(Data(yaml.utf8), source: "t.yaml"))
        } catch {
            if error.description.hasPrefix("t.yaml: document 1: \(field): ") { return .refused }
            if error.description.hasPrefix("t.yaml: document 1: not valid YAML: ") { return .documentRefused }
            return .text("unexpected error: \(error)")
        }
    }

    @Test(arguments: rows)
    func asAnnotationValue(row: Row) {
        let got = outcome(Self.service(annotation: row.yaml), field: "metadata.annotations.x") { objects in
            guard case .service(let s)? = objects.first, let x = s.metadata.annotations?["x"] else { return .text("no annotation") }
            return .text(x)
        }
        #expect(got == row.annotation)
    }

    @Test(arguments: rows)
    func asPortNumber(row: Row) {
        let got = outcome(Self.service(port: row.yaml), field: "spec.ports[0].port") { objects in
            guard case .service(let s)? = objects.first, let port = s.spec.ports.first?.port else { return .text("no port") }
            return .number(port)
        }
        // Kubernetes' ports are int32 and Portico's Int: 1e10 is a number here that routing then
        // refuses (not in 1-65535), where Go refuses it while decoding.
        #expect(got == (row.yaml == "1e1_0" ? .number(10_000_000_000) : row.port))
    }

    struct Flag: Decodable { var flag: Bool }

    @Test(arguments: rows)
    func asBooleanField(row: Row) {
        let got: Outcome
        do {
            let value = try #require(try YAMLReader(Data("flag: \(row.yaml)\n".utf8)).next())
            got = .flag(try Flag(from: ManifestValueDecoder(value)).flag)
        } catch is YAMLReader.SyntaxError {
            got = .documentRefused
        } catch DecodingError.typeMismatch(_, let context) where ManifestDecoder.fieldPath(context.codingPath) == "flag" {
            got = .refused
        } catch {
            got = .text("unexpected error: \(error)")
        }
        #expect(got == row.flag)
    }

    @Test func aNumberWhereTextBelongsSaysHowToQuoteIt() {
        #expect {
            _ = try ManifestDecoder.decode(Data(Self.service(annotation: "0x1F").utf8), source: "t.yaml")
        } throws: { error in
            "\(error)" == #"t.yaml: document 1: metadata.annotations.x: expected a string, found an integer (0x1F unquoted); quote it ("0x1F") to keep it text"#
        }
        #expect {
            _ = try ManifestDecoder.decode(Data(Self.service(annotation: ".inf").utf8), source: "t.yaml")
        } throws: { error in
            "\(error)".hasPrefix("t.yaml: document 1: not valid YAML: line 6, column 8: .inf is a number JSON cannot carry")
        }
    }

    @Test(arguments: [
        ("80", "80"), ("yes", "true"), ("on", "true"), ("n", "false"), ("0x10", "16"), ("+12", "12"), ("1__0", "10"),
        ("08", "8"), ("1.5", "1.5"), ("1e6", "1e+06"), ("1234567.0", "1.234567e+06"), ("0.1", "0.1"),
        ("3.14159265358979", "3.1415927"), ("16777217.0", "1.6777216e+07"), ("0.00001", "1e-05"),
        ("100000.0", "100000"), ("0.0001", "0.0001"), ("-2.5", "-2.5"), ("1e20", "1e+20"), ("-0.0", "-0"),
        (".inf", ".inf"), ("2002-12-14", "2002-12-14"), ("\"yes\"", "yes"), ("!!str 80", "80"), ("!!float 1", "1"),
        ("!!binary aGk=", "hi"), ("1:20", "1:20"),
    ])
    func keysBecomeTheTextJSONNamesThem(yaml: String, key: String) throws {
        // sigs.k8s.io/yaml convertToJSONableObject: int keys as decimal, bool keys "true"/"false",
        // float keys as FormatFloat(f, 'g', -1, 32). Checked against kubectl v1.32.
        let manifest = "kind: Service\nmetadata:\n  name: web\n  annotations:\n    \(yaml): v\n"
        guard case .service(let s)? = try ManifestDecoder.decode(Data(manifest.utf8), source: "k.yaml").first else {
            Issue.record("no service")
            return
        }
        #expect(s.metadata.annotations.map { Array($0.keys) } == [key])
    }

    @Test(arguments: [
        ("~", "the key \"~\" is null"), ("null", "the key \"null\" is null"),
        ("18446744073709551615", "the key 18446744073709551615 is an integer above"),
    ])
    func keysJSONCannotNameAreRefused(yaml: String, reason: String) {
        // kubectl: "unsupported map key of type: <nil>" / "of type: uint64".
        let manifest = "kind: Service\nmetadata:\n  name: web\n  annotations:\n    \(yaml): v\n"
        #expect {
            _ = try ManifestDecoder.decode(Data(manifest.utf8), source: "k.yaml")
        } throws: { error in
            "\(error)".hasPrefix("k.yaml: document 1: not valid YAML: line 5, column 5: \(reason)")
        }
    }

    @Test func keysThatResolveAlikeAreDuplicates() {
        let manifest = "kind: Service\nmetadata:\n  name: web\n  labels: {yes: a, on: b}\n"
        #expect {
            _ = try ManifestDecoder.decode(Data(manifest.utf8), source: "k.yaml")
        } throws: { error in
            "\(error)" == "k.yaml: document 1: metadata.labels: key \"true\" appears twice"
        }
    }

    @Test func mergeKeysFollowGoYAMLV2() throws {
        // go-yaml v2 writes merged keys in document order: a merge overrides the keys before it,
        // keys after it override the merge, and in a list the earlier mappings win. kubectl v1.32
        // reads `annotations` below as {a: "1", b: "3"}.
        let yaml = """
            kind: Service
            metadata:
              name: web
              labels: &base {a: "1", b: "2"}
              annotations:
                a: "0"
                <<: *base
                b: "3"
            spec:
              selector:
                <<: [{x: "1"}, {x: "2", z: "2"}]
                "<<": literal
            """
        guard case .service(let s)? = try ManifestDecoder.decode(Data(yaml.utf8), source: "m.yaml").first else {
            Issue.record("no service")
            return
        }
        #expect(s.metadata.annotations == ["a": "1", "b": "3"])
        #expect(s.spec.selector == ["x": "1", "z": "2", "<<": "literal"])
    }

    @Test(arguments: [
        ("kind: Service\nmetadata: {name: a, labels: {<<: x}}\n", "metadata.labels: a merge (<<) takes a mapping or a list of mappings"),
        ("kind: Service\nl: &l [{a: b}]\nmetadata: {name: a, labels: {<<: *l}}\n", "metadata.labels: a merge (<<) takes"),
        ("kind: Service\nmetadata: {name: a, labels: {<<: [[{a: b}]]}}\n", "metadata.labels: a merge (<<) takes"),
        ("kind: Service\nmetadata: {name: a, labels: {a: b, <<: {c: d}, a: e}}\n", "metadata.labels: key \"a\" appears twice"),
    ])
    func badMergesAndRepeatedKeysAroundThemAreRefused(yaml: String, reason: String) {
        #expect {
            _ = try ManifestDecoder.decode(Data(yaml.utf8), source: "m.yaml")
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func nullsAreZeroValuesAsInGo() throws {
        // kubectl reads `annotations: {empty: }` as {empty: ""} and `port: ~` as 0.
        let yaml = "kind: Service\nmetadata:\n  name: web\n  annotations:\n    empty:\n    tilde: ~\nspec:\n  ports:\n  - port: ~\n    name:\n"
        guard case .service(let s)? = try ManifestDecoder.decode(Data(yaml.utf8), source: "n.yaml").first else {
            Issue.record("no service")
            return
        }
        #expect(s.metadata.annotations == ["empty": "", "tilde": ""])
        #expect(s.spec.ports == [ServicePort(name: nil, port: 0)])
    }

    @Test func intOrStringTakesEitherAndNamesBoth() throws {
        let yaml = "kind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {port: 80, targetPort: 0x50}\n  - {port: 81, targetPort: 8080.0}\n  - {port: 82, targetPort: http}\n"
        guard case .service(let s)? = try ManifestDecoder.decode(Data(yaml.utf8), source: "p.yaml").first else {
            Issue.record("no service")
            return
        }
        #expect(s.spec.ports.map(\.targetPort) == [.int(80), .int(8080), .string("http")])
        #expect {
            _ = try ManifestDecoder.decode(Data("kind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80, targetPort: yes}]}\n".utf8), source: "p.yaml")
        } throws: { error in
            "\(error)" == "p.yaml: document 1: spec.ports[0].targetPort: expected an integer or a string, found a boolean (yes unquoted)"
        }
    }

    @Test func certManagerSolverIngressDecodes() throws {
        // What cert-manager creates for every HTTP-01 challenge: the annotation value is unquoted.
        let yaml = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              annotations:
                nginx.ingress.kubernetes.io/whitelist-source-range: 0.0.0.0/0,::/0
                example.com/addr: 127.0.0.1:9090
                example.com/net: 2001:db8::/32
              generateName: cm-acme-http-solver-
              labels:
                acme.cert-manager.io/http-domain: "1703203363"
                acme.cert-manager.io/http-token: "1156478362"
                acme.cert-manager.io/http01-solver: "true"
              name: cm-acme-http-solver-7tz2x
              namespace: default
            spec:
              ingressClassName: portico
              rules:
              - host: www.example.com
                http:
                  paths:
                  - backend:
                      service:
                        name: cm-acme-http-solver-qqbcb
                        port:
                          number: 8089
                    path: /.well-known/acme-challenge/Z2-GnFtUJsAtKdFNJ0zfOuqlc2hl1uq6SYcDN8-NuG0
                    pathType: ImplementationSpecific
            """
        guard case .ingress(let ingress)? = try ManifestDecoder.decode(Data(yaml.utf8), source: "solver.yaml").first else {
            Issue.record("no ingress")
            return
        }
        #expect(ingress.metadata.annotations?["nginx.ingress.kubernetes.io/whitelist-source-range"] == "0.0.0.0/0,::/0")
        #expect(ingress.metadata.annotations?["example.com/addr"] == "127.0.0.1:9090")
        #expect(ingress.metadata.annotations?["example.com/net"] == "2001:db8::/32")
        #expect(ingress.spec.rules.first?.http?.paths.first?.backend.service?.port.number == 8089)
    }

    @Test func goFloat32TextMatchesGo() {
        #expect(YAMLScalar.goFloat32Text(1e6) == "1e+06")
        #expect(YAMLScalar.goFloat32Text(123456) == "123456")
        #expect(YAMLScalar.goFloat32Text(1.25e-7) == "1.25e-07")
        #expect(YAMLScalar.goFloat32Text(1e38) == "1e+38")
        #expect(YAMLScalar.goFloat32Text(1e39) == ".inf")
        #expect(YAMLScalar.goFloat32Text(-.infinity) == "-.inf")
        #expect(YAMLScalar.goFloat32Text(.nan) == ".nan")
    }
}

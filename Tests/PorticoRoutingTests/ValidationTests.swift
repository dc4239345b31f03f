import Testing

@testable import PorticoRouting

/// The byte-level checks every pass runs on every host and path, against the rule each states.
struct ValidationTests {
    @Test(arguments: [
        ("/", nil), ("/a", nil), ("/a/", nil), ("/a/b.c/d", nil), ("/...", nil), ("/.well-known/x", nil), ("/a..b", nil),
        ("a", "must start"), ("//", "empty segment"), ("/a//b", "empty segment"), ("/a/b//", "empty segment"),
        ("/.", "segment"), ("/..", "segment"), ("/a/./b", "segment"), ("/a/../b", "segment"), ("/a/..", "segment"),
        ("/a/.", "segment"), ("/a%2e", "percent"), ("/a b", "not allowed"), ("/a;", "not allowed"),
    ] as [(String, String?)])
    func pathProblem(path: String, problem: String?) {
        let found = Validation.pathProblem(path)
        if let problem {
            #expect(found?.contains(problem) == true, "\(path): \(found ?? "accepted")")
        } else {
            #expect(found == nil, "\(path): \(found ?? "")")
        }
    }

    @Test(arguments: [
        ("a", true), ("a.b", true), ("web-1.example.com", true), ("0.example", true), ("a-b.c", true),
        ("", false), (".", false), ("a.", false), (".a", false), ("a..b", false), ("-a.b", false), ("a-.b", false),
        ("a.-b", false), ("A.b", false), ("a_b", false), ("a b", false), ("é.com", false),
        (String(repeating: "a", count: 63) + ".b", true), (String(repeating: "a", count: 64) + ".b", false),
        ([String](repeating: String(repeating: "a", count: 62), count: 4).joined(separator: "."), true),  // 251 bytes
        ([String](repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."), false),  // 255 bytes
    ] as [(String, Bool)])
    func subdomain(name: String, valid: Bool) {
        #expect(Validation.isSubdomain(name) == valid, "\(name)")
    }

    @Test(arguments: [
        ("a.example", true), ("*.example.com", true), ("1.2.3", true), ("1.2.3.4.5", true), ("10.example.com", true),
        ("1.2.3.4", false), ("10.0.0.1", false), ("*.1.2.3.4", false), ("*", false), ("a.*.com", false), ("*example.com", false),
    ] as [(String, Bool)])
    func host(name: String, valid: Bool) {
        #expect(Validation.isHost(name) == valid, "\(name)")
    }
}

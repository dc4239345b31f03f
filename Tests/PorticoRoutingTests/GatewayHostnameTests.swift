import PorticoModel
import Testing

@testable import PorticoRouting

/// Listener and route hostnames, from the specification's own examples (`apis/v1`
/// `HTTPRouteSpec.Hostnames` and `Listener.Hostname`) and the conformance suite's
/// `HTTPRouteHostnameIntersection` (`conformance/tests/httproute-hostname-intersection.yaml`).
@Suite struct GatewayHostnameTests {
    static func h(_ text: String) throws -> GatewayHostname { try GatewayHostname(validating: text) }

    static func effective(_ listener: String?, _ route: [String]) throws -> [String]? {
        try GatewayHostname.effective(listener: listener.map(h), route: route.map(h))?.map(\.text)
    }

    @Test(arguments: [
        "example.com", "a.example.com", "*.example.com", "*.a.b.example.com", "localhost", "0-a.example", "a1",
        "xn--bcher-kva.example", "1.2.3", "1.2.3.4.5", String(repeating: "a", count: 63) + ".example",
    ])
    func hostnamesAreAccepted(text: String) throws {
        #expect(try Self.h(text).text == text)
    }

    @Test(arguments: [
        ("", "is empty"),
        ("*", #"a wildcard must be followed by a domain ("*.example.com")"#),
        ("*example.com", #""*" may only be the whole first label ("*.example.com")"#),
        ("a.*.example.com", #""*" may only be the whole first label ("*.example.com")"#),
        ("*.*.example.com", #""*" may only be the whole first label ("*.example.com")"#),
        ("Example.com", "must be lowercase"),
        ("a..example.com", "has an empty label"),
        (".example.com", "has an empty label"),
        ("example.com.", "has an empty label"),
        ("*.", "has an empty label"),
        ("-a.example.com", #"labels may hold only a-z, 0-9 and "-", and not begin or end with "-""#),
        ("a_b.example.com", #"labels may hold only a-z, 0-9 and "-", and not begin or end with "-""#),
        ("example.com:80", #"labels may hold only a-z, 0-9 and "-", and not begin or end with "-""#),
        ("a b.example", #"labels may hold only a-z, 0-9 and "-", and not begin or end with "-""#),
        ("bücher.example", #"labels may hold only a-z, 0-9 and "-", and not begin or end with "-""#),
        (String(repeating: "a", count: 64) + ".example", "has a label longer than 63 bytes"),
        (String(repeating: "abcdefgh.", count: 28) + "example", "is longer than 253 bytes"),
        ("10.0.0.1", "is an IP address; a hostname is required"),
        ("*.10.0.0.1", "is an IP address; a hostname is required"),
    ])
    func invalidHostnamesSayWhy(text: String, reason: String) {
        #expect(throws: GatewayHostname.Problem(hostname: text, reason: reason)) { try Self.h(text) }
    }

    @Test func theProblemQuotesAHostileHostnameOnOneLine() {
        let problem = GatewayHostname.Problem(hostname: "a\nb\u{202e}", reason: "must be lowercase")
        #expect(problem.description == #"hostname "a\nb\u{202e}": must be lowercase"#)
    }

    /// "a match for `*.example.com` would match both `test.example.com`, and
    /// `foo.test.example.com`, but not `example.com`."
    @Test(arguments: [
        ("*.example.com", "test.example.com", true),
        ("*.example.com", "foo.test.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "test.example.net", false),
        ("*.example.com", "testexample.com", false),
        ("*.example.com", ".example.com", false),
        ("test.example.com", "test.example.com", true),
        ("test.example.com", "foo.test.example.com", false),
        ("test.example.com", "example.com", false),
    ])
    func requestHosts(hostname: String, host: String, matches: Bool) throws {
        #expect(try Self.h(hostname).matches(host: host) == matches)
    }

    @Test(arguments: [
        // "A Listener with `test.example.com` as the hostname matches HTTPRoutes that have either not
        // specified any hostnames, or have specified at least one of `test.example.com` or `*.example.com`."
        ("test.example.com", [], ["test.example.com"]),
        ("test.example.com", ["test.example.com"], ["test.example.com"]),
        ("test.example.com", ["*.example.com"], ["test.example.com"]),
        ("test.example.com", ["other.example.com", "example.com", "*.test.example.com"], []),
        // "A Listener with `*.example.com` as the hostname matches HTTPRoutes that have either not
        // specified any hostnames or have specified at least one hostname that matches the Listener
        // hostname. For example, `*.example.com`, `test.example.com`, and `foo.test.example.com` would
        // all match. On the other hand, `example.com` and `test.example.net` would not match."
        ("*.example.com", [], ["*.example.com"]),
        ("*.example.com", ["*.example.com"], ["*.example.com"]),
        ("*.example.com", ["test.example.com"], ["test.example.com"]),
        ("*.example.com", ["foo.test.example.com"], ["foo.test.example.com"]),
        ("*.example.com", ["example.com"], []),
        ("*.example.com", ["test.example.net"], []),
        // "if a Listener specified `*.example.com`, and the HTTPRoute specified `test.example.com` and
        // `test.example.net`, `test.example.net` must not be considered for a match."
        ("*.example.com", ["test.example.com", "test.example.net"], ["test.example.com"]),
        // Both wildcards: the narrower one; wildcards over different domains share nothing.
        ("*.example.com", ["*.foo.example.com"], ["*.foo.example.com"]),
        ("*.foo.example.com", ["*.example.com"], ["*.foo.example.com"]),
        ("*.foo.example.com", ["*.bar.example.com", "*.example.net"], []),
        ("*.example.com", ["*.xample.com", "*.ample.com"], []),
        // The same effective hostname twice is served once.
        ("a.example.com", ["a.example.com", "*.example.com"], ["a.example.com"]),
        // A listener without a hostname takes the route's hostnames as they are.
        (nil, ["a.example.com", "*.example.com"], ["a.example.com", "*.example.com"]),
    ] as [(String?, [String], [String])])
    func listenerAndRouteHostnamesIntersect(listener: String?, route: [String], expected: [String]) throws {
        #expect(try Self.effective(listener, route) == expected)
    }

    @Test func neitherNamingAHostnameMeansAny() throws {
        #expect(try Self.effective(nil, []) == nil)
    }

    /// Conformance `HTTPRouteHostnameIntersection`: the Gateway's three listeners, and which of each
    /// route's hostnames each serves; `no-intersecting-hosts` attaches to none of them.
    @Test(arguments: [
        ("specific-host-matches-listener-specific-host", ["non.matching.com", "*.nonmatchingwildcard.io", "very.specific.com"],
         [["very.specific.com"], [], []]),
        ("specific-host-matches-listener-wildcard-host", ["non.matching.com", "wildcard.io", "foo.wildcard.io", "bar.wildcard.io", "foo.bar.wildcard.io"],
         [[], ["foo.wildcard.io", "bar.wildcard.io", "foo.bar.wildcard.io"], []]),
        ("wildcard-host-matches-listener-specific-host", ["non.matching.com", "*.specific.com"], [["very.specific.com"], [], []]),
        ("wildcard-host-matches-listener-wildcard-host", ["*.anotherwildcard.io"], [[], [], ["*.anotherwildcard.io"]]),
        ("no-intersecting-hosts", ["specific.but.wrong.com", "wildcard.io"], [[], [], []]),
    ] as [(String, [String], [[String]])])
    func conformanceHostnameIntersection(route: String, hostnames: [String], perListener: [[String]]) throws {
        let listeners = ["very.specific.com", "*.wildcard.io", "*.anotherwildcard.io"]
        let served = try listeners.map { try Self.effective($0, hostnames) ?? [] }
        #expect(served == perListener, "\(route)")
    }

    @Test func moreSpecificHostnamesSortFirst() throws {
        let sorted = try ["*.example.com", "example.com", "*.a.example.com", "b.a.example.com", "*.b.example.com", "a.example.com"]
            .map(Self.h).sorted().map(\.text)
        #expect(sorted == ["b.a.example.com", "a.example.com", "example.com", "*.a.example.com", "*.b.example.com", "*.example.com"])
    }
}

import Foundation
import TestSupport
import Testing

/// ingress-nginx's rate limits through real nginx: per client address, in zones of each Ingress's
/// own, a burst of limit × `limit-burst-multiplier` served without delay, 503 beyond it; addresses
/// in `limit-whitelist` never limited; `limit-connections` counts requests in flight;
/// `limit-rate` slows the response. The counts are requests per minute, so that no test depends on
/// how fast the machine sends them.
@Suite("End to end: rate limits", .serialized)
final class RateLimitEndToEndTests {
    let stage: Stage

    static func ingress(_ name: String, _ annotations: [String: String]) -> String {
        "---\n" + Manifest.ingress(name, host: "\(name).test", annotations: annotations.mapKeys { "nginx.ingress.kubernetes.io/" + $0 })
    }

    init() throws {
        stage = try Stage(
            manifests: Manifest.service("app")
                + Self.ingress("per-minute", ["limit-rpm": "1", "limit-burst-multiplier": "2"])
                + Self.ingress("twin", ["limit-rpm": "1", "limit-burst-multiplier": "2"])
                + Self.ingress("exempt", ["limit-rpm": "1", "limit-burst-multiplier": "0", "limit-whitelist": "10.0.0.0/8, 127.0.0.1"])
                + Self.ingress("per-second", ["limit-rps": "1", "limit-burst-multiplier": "0"])
                + Self.ingress("one-at-a-time", ["limit-connections": "1"])
                + Self.ingress("slow", ["limit-rate": "100"])
                + Self.ingress("hostile", ["limit-rpm": "1;\n deny all", "limit-burst-multiplier": "0", "limit-whitelist": "0.0.0.0/0 1; }"]),
            services: ["app"])
    }

    deinit { stage.stop() }

    func statuses(_ host: String, _ count: Int) throws -> [Int] {
        try (0..<count).map { _ in try stage.request("/x", host: host).status }
    }

    /// One per minute with a burst of 2: three at once pass, the rest get 503; another Ingress with
    /// the same numbers counts on its own.
    @Test func aBurstAboveTheLimitPassesAndTheRestGet503() throws {
        #expect(try statuses("per-minute.test", 6) == [200, 200, 200, 503, 503, 503], "\(stage.context)")
        #expect(try statuses("twin.test", 4) == [200, 200, 200, 503])
        // nginx's own 503, not the backend's.
        let refused = try stage.request("/x", host: "per-minute.test")
        #expect(refused.status == 503 && refused.backend == nil)
    }

    @Test func listedAddressesAreNeverLimited() throws {
        #expect(try statuses("exempt.test", 5) == [200, 200, 200, 200, 200], "\(stage.context)")
    }

    /// One per second without a burst: of ten requests sent as fast as they go, the first passes and
    /// some are refused (all ten passing would take more than nine seconds).
    @Test func perSecondLimitsRefuseWhatComesTooFast() throws {
        let start = Date()
        let got = try statuses("per-second.test", 10)
        #expect(got.first == 200)
        #expect(got.contains(503) || Date().timeIntervalSince(start) > 9, "\(got)")
    }

    /// One request in flight at a time: a second while the first is held gets 503; once released,
    /// requests pass again.
    @Test func aConnectionLimitCountsRequestsInFlight() throws {
        let token = UUID().uuidString
        let held = try HTTPStream(port: stage.httpPort, host: "one-at-a-time.test", target: "/held", headers: [("X-Echo-Hold", token)])
        #expect(try held.waitFor("first\n", within: 10), "\(held.text)\n\(stage.context)")
        let second = try stage.request("/x", host: "one-at-a-time.test")
        #expect(second.status == 503 && second.backend == nil)
        try stage.backends[0].release(token)
        #expect(try held.response().status == 200)
        try eventuallyBlocking(timeout: .seconds(10), "requests pass again once the held one ended") {
            (try? stage.request("/x", host: "one-at-a-time.test").status) == 200
        }
    }

    /// 300 KiB at 100 KiB/s cannot arrive in much under two seconds.
    @Test func limitRateSlowsTheResponse() throws {
        let start = Date()
        let response = try stage.request("/big", host: "slow.test", headers: [("X-Echo-Size", "\(300 << 10)")])
        #expect(response.status == 200 && response.body.count == 300 << 10)
        #expect(Date().timeIntervalSince(start) > 1.5, "\(Date().timeIntervalSince(start)) s")
    }

    /// Values meant to break out are no limit and no exemption, and never text in nginx.conf.
    @Test func hostileValuesAreRefused() throws {
        #expect(try stage.request("/x", host: "hostile.test").status == 200)
        #expect(!stage.config.contains("deny all") && !stage.config.contains("0.0.0.0/0"))
        let hostile = stage.diagnostics.filter { $0.contains("ingress default/hostile") }
        #expect(hostile.count == 2 && hostile.contains { $0.contains("limit-rpm") } && hostile.contains { $0.contains("limit-whitelist") }, "\(hostile)")
    }
}

extension Dictionary where Key == String {
    fileprivate func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}

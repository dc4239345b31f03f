import Foundation
import PorticoModel
import Testing

@testable import PorticoKube

/// Deterministic random numbers for reproducible splits.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct WatchFramingTests {
    static func ingressLine(_ type: String, _ name: String, rv: Int, note: String) -> String {
        #"{"type":"\#(type)","object":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"\#(name)","namespace":"default","resourceVersion":"\#(rv)","annotations":{"note":"\#(note)"}},"spec":{"rules":[{"host":"\#(name).example","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}}"#
    }

    static let stream: Data = {
        let lines = [
            ingressLine("ADDED", "a", rv: 10, note: "héllo ✓"),
            ingressLine("MODIFIED", "a", rv: 11, note: "日本語テキスト"),
            #"{"type":"BOOKMARK","object":{"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"resourceVersion":"12"}}}"#,
            ingressLine("ADDED", "b", rv: 13, note: "emoji 🎉🚀 and ümlauts"),
            ingressLine("DELETED", "a", rv: 14, note: "bye ✗"),
            #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (14)","reason":"Expired","code":410}}"#,
        ]
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }()

    static func decode(_ chunks: [Data]) throws -> [WatchEvent<Ingress>] {
        var decoder = WatchFrameDecoder()
        var events: [WatchEvent<Ingress>] = []
        for chunk in chunks {
            for frame in try decoder.feed(chunk) {
                events.append(try JSONDecoder().decode(WatchEvent<Ingress>.self, from: frame))
            }
        }
        return events
    }

    @Test func wholeStreamDecodesEveryEvent() throws {
        let events = try Self.decode([Self.stream])
        #expect(events.count == 6)
        guard case .added(let first) = events[0] else { Issue.record("expected ADDED"); return }
        #expect(first.metadata.annotations?["note"] == "héllo ✓")
        #expect(events[2] == .bookmark(resourceVersion: "12"))
        guard case .error(let status) = events[5] else { Issue.record("expected ERROR"); return }
        #expect(status.code == 410 && status.reason == "Expired")
    }

    @Test func everyTwoWaySplitYieldsTheSameEvents() throws {
        let expected = try Self.decode([Self.stream])
        for cut in 0...Self.stream.count {
            let chunks = [Self.stream.prefix(cut), Self.stream.dropFirst(cut)].map { Data($0) }
            #expect(try Self.decode(chunks) == expected, "split at byte \(cut)")
        }
    }

    @Test func randomManyWaySplitsYieldTheSameEvents() throws {
        let expected = try Self.decode([Self.stream])
        var random = SplitMix64(seed: 20_261_121)
        for round in 0..<500 {
            let pieces = Int.random(in: 2...40, using: &random)
            var cuts = (0..<(pieces - 1)).map { _ in Int.random(in: 0...Self.stream.count, using: &random) }
            cuts.sort()
            var chunks: [Data] = []
            var start = 0
            for cut in cuts + [Self.stream.count] {
                chunks.append(Data(Self.stream[start..<cut]))
                start = cut
            }
            #expect(try Self.decode(chunks) == expected, "round \(round), cuts \(cuts)")
        }
    }

    @Test func byteByByteYieldsTheSameEvents() throws {
        let expected = try Self.decode([Self.stream])
        #expect(try Self.decode(Self.stream.map { Data([$0]) }) == expected)
    }

    @Test func truncatedLastLineIsNotAnEvent() throws {
        let complete = try Self.decode([Self.stream])
        let withoutNewline = Self.stream.dropLast()
        #expect(try Self.decode([Data(withoutNewline)]) == Array(complete.dropLast()))
        // Cut in the middle of the last line, at every position.
        let lastLineStart = (withoutNewline.lastIndex(of: UInt8(ascii: "\n")) ?? 0) + 1
        for cut in lastLineStart..<Self.stream.count {
            #expect(try Self.decode([Data(Self.stream.prefix(cut))]) == Array(complete.dropLast()))
        }
        var decoder = WatchFrameDecoder()
        _ = try decoder.feed(Data(withoutNewline))
        #expect(decoder.pendingByteCount > 0)
    }

    @Test func blankLinesAndCarriageReturnsAreSkipped() throws {
        let text = "\n\r\n" + Self.ingressLine("ADDED", "x", rv: 1, note: "n") + "\r\n\n"
        #expect(try Self.decode([Data(text.utf8)]).count == 1)
    }

    @Test func overlongLineIsAnError() throws {
        var decoder = WatchFrameDecoder(maxFrameBytes: 100)
        #expect(throws: WatchFrameError.self) {
            _ = try decoder.feed(Data(repeating: UInt8(ascii: "x"), count: 101))
        }
    }

    @Test func unknownEventTypeIsKeptAsUnknown() throws {
        let events = try Self.decode([Data((#"{"type":"SURPRISE","object":{}}"# + "\n").utf8)])
        #expect(events == [.unknown(type: "SURPRISE")])
    }
}

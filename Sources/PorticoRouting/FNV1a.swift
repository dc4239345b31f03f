/// FNV-1a over bytes: names that come from content and are the same in every process (Swift's
/// `Hasher` is seeded per process). Not for anything an attacker must not collide.
package struct FNV1a {
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    package init() {}

    package mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
    }

    /// `text`'s hash as 16 hex digits, zero-padded.
    package static func hex(_ text: String) -> String {
        var h = FNV1a()
        h.add(text.utf8)
        return h.hex
    }

    /// The upper 32 bits of `text`'s hash as 8 hex digits.
    package static func hex32(_ text: String) -> String {
        var h = FNV1a()
        h.add(text.utf8)
        return padded(h.value >> 32, digits: 8)
    }

    package var hex: String { Self.padded(value, digits: 16) }

    private static func padded(_ v: UInt64, digits: Int) -> String {
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: digits - hex.count) + hex
    }
}

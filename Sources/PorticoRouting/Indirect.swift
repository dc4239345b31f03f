/// A value kept out of line, equal and hashed by value: for settings that are large and nearly
/// always absent, so that the struct holding them stays small (every location with any setting
/// keeps its own copy of `ProxyOptions`: at 10,000 TLS hosts, 50,000 of them).
final class Indirect<Value: Hashable & Sendable>: Hashable, Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }

    static func == (a: Indirect, b: Indirect) -> Bool { a === b || a.value == b.value }
    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension Array {
    /// A copy whose storage holds exactly its elements. An array built by appending (decoded, or
    /// routed) keeps up to twice the room it needs, five paths in room for eight, for as long as it
    /// lives: at 10,000 Ingresses that slack was 10 MB of the watch cache and as much of the
    /// routing kept between changes.
    package func compacted() -> [Element] {
        guard capacity > count else { return self }
        return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = withUnsafeBufferPointer { buffer.initialize(fromContentsOf: $0) }
        }
    }
}

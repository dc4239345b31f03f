import Foundation

/// Splits a watch response body into frames: one JSON object per line. Chunks may end anywhere,
/// inside a line or inside a multi-byte UTF-8 character (a newline byte never occurs inside one);
/// a line is only complete at its newline, so bytes left over when the stream ends are not an event.
struct WatchFrameDecoder: Sendable {
    /// A single line longer than this is a protocol error rather than a reason to grow without bound.
    let maxFrameBytes: Int
    private var pending: [UInt8] = []

    init(maxFrameBytes: Int = 64 << 20) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes of an incomplete last line, held until its newline arrives.
    var pendingByteCount: Int { pending.count }

    /// Feeds one chunk; calls `frame` for every line completed by it (empty lines are skipped).
    mutating func feed(
        _ chunk: UnsafeRawBufferPointer, frame: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var start = 0
        let newline = UInt8(ascii: "\n")
        while let end = chunk[start...].firstIndex(of: newline) {
            if pending.isEmpty {
                try emit(UnsafeRawBufferPointer(rebasing: chunk[start..<end]), frame)
            } else {
                pending.append(contentsOf: chunk[start..<end])
                try pending.withUnsafeBytes { try emit($0, frame) }
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)
            }
            start = end + 1
        }
        if start < chunk.count {
            guard pending.count + (chunk.count - start) <= maxFrameBytes else {
                throw WatchFrameError(byteCount: pending.count + chunk.count - start, limit: maxFrameBytes)
            }
            pending.append(contentsOf: chunk[start...])
        }
    }

    /// Convenience for tests and small inputs.
    mutating func feed(_ chunk: Data) throws -> [Data] {
        var frames: [Data] = []
        try chunk.withUnsafeBytes { bytes in
            try feed(bytes) { frames.append(Data($0)) }
        }
        return frames
    }

    /// Forgets an incomplete line, for a new connection.
    mutating func reset() { pending.removeAll() }

    private func emit(_ line: UnsafeRawBufferPointer, _ frame: (UnsafeRawBufferPointer) throws -> Void)
        rethrows
    {
        var line = line[...]
        while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: " ") {
            line = line.dropLast()
        }
        guard !line.isEmpty else { return }
        try frame(UnsafeRawBufferPointer(rebasing: line))
    }
}

/// A watch line grew past the limit without a newline.
struct WatchFrameError: Error, Sendable, CustomStringConvertible {
    var byteCount: Int
    var limit: Int
    var description: String {
        "watch event line of \(byteCount) bytes exceeds \(limit) bytes without a newline"
    }
}

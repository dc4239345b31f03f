import Foundation
import PorticoRouting

/// A config not yet rendered: the table, options and template, turned into text only as it is
/// written into the stream its consumer provides (nginx's candidate file, a test's String). The
/// whole text of a config with thousands of hosts is never held in memory.
public struct ConfigText: Sendable {
    let renderer: ConfigRenderer
    let table: RoutingTable
    let options: RenderOptions
    private let clock = RenderClock()

    init(renderer: ConfigRenderer, table: RoutingTable, options: RenderOptions) {
        self.renderer = renderer
        self.table = table
        self.options = options
    }

    /// Renders into `out`, piece by piece.
    public func write(to out: inout some TextOutputStream) throws(TemplateError) {
        let started = ContinuousClock.now
        defer { clock.add(started.duration(to: .now)) }
        try renderer.render(table, options: options, to: &out)
    }

    /// The certificate files the config names: to be on disk before nginx loads it.
    public var certificates: [CertificateFile] { table.certificates }

    /// The whole text, for tests and small configs.
    public func string() throws(TemplateError) -> String {
        var out = ""
        try write(to: &out)
        return out
    }

    /// Time spent in `write(to:)` so far, the stream's own writes included.
    public var renderDuration: Duration { clock.total }
}

/// Shared by the copies of one `ConfigText`, so that the controller sees the time its sink spent
/// rendering.
private final class RenderClock: @unchecked Sendable {
    private let lock = NSLock()
    private var _total: Duration = .zero

    func add(_ d: Duration) { lock.withLock { _total += d } }
    var total: Duration { lock.withLock { _total } }
}

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
        if let cache = renderer.cache { clock.render = cache.lastRenderNumber }
    }

    /// Hands over what `write(to:)` wrote, as written (the config file), so that a renderer that
    /// reuses text copies it from there instead of keeping a copy (`RenderCache.adopt`).
    public func wrote(into output: some RenderedOutput) {
        guard let cache = renderer.cache, let render = clock.render else { return }
        cache.adopt(output, render: render)
    }

    /// The certificate files the config names: to be on disk before nginx loads it.
    public var certificates: [CertificateFile] { table.certificates }

    /// The htpasswd files the config names: to be on disk before nginx loads it.
    public var authFiles: [AuthFile] { table.authFiles }

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
/// rendering, and the sink can hand over the file it wrote.
private final class RenderClock: @unchecked Sendable {
    private let lock = NSLock()
    private var _total: Duration = .zero
    private var _render: Int?

    func add(_ d: Duration) { lock.withLock { _total += d } }
    var total: Duration { lock.withLock { _total } }
    /// The render cache's number for the last `write(to:)`.
    var render: Int? {
        get { lock.withLock { _render } }
        set { lock.withLock { _render = newValue } }
    }
}

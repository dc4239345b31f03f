import PorticoRouting

/// Renders a `RoutingTable` into a complete nginx.conf through a `Template`: the default one shipped
/// in the binary, or an operator's. The same table and options always give the same bytes.
public struct ConfigRenderer: Sendable {
    public let template: Template
    /// Set for a renderer that renders again and again (the controller's): each host's text is
    /// kept and written as it is while the host's routing is unchanged.
    public let cache: RenderCache?

    public init(template: Template = ConfigRenderer.defaultTemplate, reusingText: Bool = false) {
        self.template = template
        cache = reusingText ? RenderCache() : nil
    }

    public static let defaultTemplate: Template = {
        do {
            return try Template(DefaultTemplate.text, source: "default")
        } catch {
            fatalError("the built-in template does not parse: \(error)")
        }
    }()

    public func render(_ table: RoutingTable, options: RenderOptions) throws(TemplateError) -> String {
        var out = ""
        try render(table, options: options, to: &out)
        return out
    }

    /// Writes the config into `out` as it is rendered, without holding the whole text.
    public func render(
        _ table: RoutingTable, options: RenderOptions, to out: inout some TextOutputStream
    ) throws(TemplateError) {
        try template.render(ConfigView(table: table, options: options, keyed: cache != nil), cache: cache, to: &out)
    }

    /// The config for `table`, rendered later by whoever writes it.
    public func text(_ table: RoutingTable, options: RenderOptions) -> ConfigText {
        ConfigText(renderer: self, table: table, options: options)
    }
}

import PorticoRouting

/// Renders a `RoutingTable` into a complete nginx.conf through a `Template`: the default one shipped
/// in the binary, or an operator's. The same table and options always give the same bytes.
public struct ConfigRenderer: Sendable {
    public let template: Template

    public init(template: Template = ConfigRenderer.defaultTemplate) {
        self.template = template
    }

    public static let defaultTemplate: Template = {
        do {
            return try Template(DefaultTemplate.text, source: "default")
        } catch {
            fatalError("the built-in template does not parse: \(error)")
        }
    }()

    public func render(_ table: RoutingTable, options: RenderOptions) throws(TemplateError) -> String {
        try template.render(ConfigView(table: table, options: options))
    }

    /// Writes the config into `out` as it is rendered, without holding the whole text.
    public func render(
        _ table: RoutingTable, options: RenderOptions, to out: inout some TextOutputStream
    ) throws(TemplateError) {
        try template.render(ConfigView(table: table, options: options), to: &out)
    }

    /// The config for `table`, rendered later by whoever writes it.
    public func text(_ table: RoutingTable, options: RenderOptions) -> ConfigText {
        ConfigText(renderer: self, table: table, options: options)
    }
}

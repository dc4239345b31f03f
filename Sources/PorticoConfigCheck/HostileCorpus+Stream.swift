import PorticoRouting

/// Hostile `tcp-services`/`udp-services` entries: each must be left out with a diagnostic naming
/// its key, and nothing of it may reach nginx.conf.
extension HostileCorpus {
    /// One key and value of a ConfigMap (the streams' here, the global one's in `+GlobalConfig`).
    package struct ConfigMapEntry: Sendable, CustomStringConvertible {
        package var name: String
        package var key: String
        package var value: String
        package var description: String { name }
    }

    /// Keys and values that try to end the `listen` or `set` line, open a block, name a variable,
    /// climb out of a namespace, or take a port that is not one.
    package static let streamEntries: [ConfigMapEntry] = [
        ConfigMapEntry(name: "port with semicolon", key: "80;", value: "default/app:18080"),
        ConfigMapEntry(name: "port zero", key: "0", value: "default/app:18080"),
        ConfigMapEntry(name: "port out of range", key: "70000", value: "default/app:18080"),
        ConfigMapEntry(name: "port with a newline", key: "2000\nlisten 81", value: "default/app:18080"),
        ConfigMapEntry(name: "port with a brace", key: "2001}", value: "default/app:18080"),
        ConfigMapEntry(name: "port as a variable", key: "$server_port", value: "default/app:18080"),
        ConfigMapEntry(name: "huge port", key: String(repeating: "9", count: 100_000), value: "default/app:18080"),
        ConfigMapEntry(name: "value ending the line", key: "2002", value: "default/app:18080; } server { listen 81; proxy_pass 169.254.169.254:80; } #"),
        ConfigMapEntry(name: "value with a newline", key: "2003", value: "default/app:18080\n    proxy_pass 169.254.169.254:80;"),
        ConfigMapEntry(name: "value with braces", key: "2004", value: "default/app:{18080}"),
        ConfigMapEntry(name: "value with a variable", key: "2005", value: "default/$host:18080"),
        ConfigMapEntry(name: "value with a variable port", key: "2006", value: "default/app:$server_port"),
        ConfigMapEntry(name: "value climbing out", key: "2007", value: "../kube-system/app:18080"),
        ConfigMapEntry(name: "value with a comment", key: "2008", value: "default/app:18080 #"),
        ConfigMapEntry(name: "value with a bad suffix", key: "2009", value: "default/app:18080:PROXY:pwned"),
        ConfigMapEntry(name: "value with a bad weight", key: "2010", value: "default/app:18080 weight=1;load_module"),
        ConfigMapEntry(name: "huge value", key: "2011", value: "default/app:18080," + String(repeating: "default/app:18080,", count: 10_000)),
        ConfigMapEntry(name: "empty value", key: "2012", value: ""),
        ConfigMapEntry(name: "quote", key: "2013", value: "default/app:\"18080\""),
    ]
}

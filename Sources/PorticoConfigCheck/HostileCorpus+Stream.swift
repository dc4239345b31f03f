import PorticoRouting

/// Hostile `tcp-services`/`udp-services` entries: each must be left out with a diagnostic naming
/// its key, and nothing of it may reach nginx.conf.
extension HostileCorpus {
    package struct StreamEntry: Sendable, CustomStringConvertible {
        package var name: String
        package var key: String
        package var value: String
        package var description: String { name }
    }

    /// Keys and values that try to end the `listen` or `set` line, open a block, name a variable,
    /// climb out of a namespace, or take a port that is not one.
    package static let streamEntries: [StreamEntry] = [
        StreamEntry(name: "port with semicolon", key: "80;", value: "default/app:18080"),
        StreamEntry(name: "port zero", key: "0", value: "default/app:18080"),
        StreamEntry(name: "port out of range", key: "70000", value: "default/app:18080"),
        StreamEntry(name: "port with a newline", key: "2000\nlisten 81", value: "default/app:18080"),
        StreamEntry(name: "port with a brace", key: "2001}", value: "default/app:18080"),
        StreamEntry(name: "port as a variable", key: "$server_port", value: "default/app:18080"),
        StreamEntry(name: "huge port", key: String(repeating: "9", count: 100_000), value: "default/app:18080"),
        StreamEntry(name: "value ending the line", key: "2002", value: "default/app:18080; } server { listen 81; proxy_pass 169.254.169.254:80; } #"),
        StreamEntry(name: "value with a newline", key: "2003", value: "default/app:18080\n    proxy_pass 169.254.169.254:80;"),
        StreamEntry(name: "value with braces", key: "2004", value: "default/app:{18080}"),
        StreamEntry(name: "value with a variable", key: "2005", value: "default/$host:18080"),
        StreamEntry(name: "value with a variable port", key: "2006", value: "default/app:$server_port"),
        StreamEntry(name: "value climbing out", key: "2007", value: "../kube-system/app:18080"),
        StreamEntry(name: "value with a comment", key: "2008", value: "default/app:18080 #"),
        StreamEntry(name: "value with a bad suffix", key: "2009", value: "default/app:18080:PROXY:pwned"),
        StreamEntry(name: "value with a bad weight", key: "2010", value: "default/app:18080 weight=1;load_module"),
        StreamEntry(name: "huge value", key: "2011", value: "default/app:18080," + String(repeating: "default/app:18080,", count: 10_000)),
        StreamEntry(name: "empty value", key: "2012", value: ""),
        StreamEntry(name: "quote", key: "2013", value: "default/app:\"18080\""),
    ]
}

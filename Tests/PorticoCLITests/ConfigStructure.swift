import PorticoPCRE

/// Checks a rendered nginx.conf line by line against the directives the default template may
/// produce, with PCRE. A line that matches none is a directive no rule asked for: an injection.
enum ConfigStructure {
    static let name = #"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"#
    static let path = #"/[A-Za-z0-9/._~!*+,:@=&-]*"#

    static let allowed: [PCRE] = {
        let patterns = [
            #"^$"#,
            #"^\s*# [ -~]*$"#,  // comments: printable ASCII only, never a line break inside
            #"^\s*}$"#,
            #"^(worker_processes (auto|\d+)|pid nginx\.pid|error_log (error\.log|stderr) warn|user [a-z_][a-z0-9_-]*);$"#,
            #"^(events|http) \{$"#,
            #"^    worker_connections \d+;$"#,
            #"^    (server_tokens off|server_names_hash_(max|bucket)_size \d+|access_log (access\.log|/dev/stdout)|(client_body|proxy|fastcgi|uwsgi|scgi)_temp_path [a-z_]+|resolver_timeout 5s|proxy_http_version 1\.1|proxy_redirect off);$"#,
            #"^    resolver [0-9a-f.:\[\]a-z-]+( [0-9a-f.:\[\]a-z-]+)* valid=10s;$"#,
            #"^    map \$http_(host|upgrade) \$portico_(host|connection) \{$"#,
            #"^        ("" (\$host|close)|default (\$http_host|upgrade));$"#,
            #"^    proxy_set_header (Host|X-Forwarded-Host) \$portico_host;$"#,
            #"^    proxy_set_header (X-Forwarded-For \$proxy_add_x_forwarded_for|X-Forwarded-Proto \$scheme|X-Real-IP \$remote_addr|Upgrade \$http_upgrade|Connection \$portico_connection);$"#,
            #"^    server \{$"#,
            #"^        listen ((\d{1,3}\.){3}\d{1,3}:|\[[0-9a-f:.]+\]:)?\d+( default_server)?;$"#,
            #"^        server_name (_|(\*\.)?NAME|~\^\[\^\.\]\+\\\.[a-z0-9\\.-]+\$);$"#.replacingOccurrences(of: "NAME", with: name),
            #"^        location (= )?PATH \{$"#.replacingOccurrences(of: "PATH", with: path),
            #"^            set \$portico_upstream NAME:\d{1,5};$"#.replacingOccurrences(of: "NAME", with: name),
            #"^            proxy_pass http://\$portico_upstream;$"#,
            #"^            return (404|418|503);$"#,
            #"^        location @portico_proxy \{$"#,
            #"^            error_page 418 = @portico_proxy;$"#,
            #"^            proxy_(connect|read|send)_timeout \d{1,4}s;$"#,
            #"^            client_max_body_size \d+[kmg]?;$"#,
        ]
        return patterns.map { p in
            do { return try PCRE(p) } catch { fatalError("bad test pattern: \(error)") }
        }
    }()

    /// Lines that no allowed pattern matches.
    static func unexpectedLines(_ config: String) -> [String] {
        config.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !allowed.contains { $0.matches(line) }
        }
    }

    /// `server_name` → the location arguments of that server, parsed from the text with PCRE.
    static func servers(_ config: String) throws -> [String: [String]] {
        let server = try PCRE(#"server_name ([^;]+);\n((?:(?!\n    server \{)[\s\S])*)"#)
        let location = try PCRE(#"^        location ([^@{][^{]*) \{$"#, multiline: true)
        var result: [String: [String]] = [:]
        for m in server.allMatches(config) {
            result[m[1]] = location.allMatches(m[2]).map { $0[1] }
        }
        return result
    }
}

import Foundation

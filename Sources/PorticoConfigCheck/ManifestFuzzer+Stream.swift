import Foundation

/// TCP and UDP services for the fuzzer: `tcp-services` and `udp-services` ConfigMaps in the
/// namespace `PipelineCheck` names, with valid, reserved and hostile ports and references.
extension ManifestFuzzer {
    /// The ConfigMaps `PipelineCheck` routes streams from.
    package static let streamNamespace = "ingress"
    package static let tcpServices = "tcp-services"
    package static let udpServices = "udp-services"

    static let streamPorts = ["22", "2222", "5432", "53", "80", "443", "0", "70000", "80;", "022", "-1", "8080 ", "1e3"]
    static let streamHostile = [
        "default/app:80;", "default/app:80\n}", "default/app:80 { listen 1; }", "default/$app:80", "../etc/app:80",
        "default/app:${port}", "default/app:80:PROXY:PROXY:PROXY", "default/app:80:#", "default/app:80 weight=1;",
        "default/app", "default/app:80, ", ",", "default/app:80 weight=99999",
    ]
}

extension ManifestFuzzerMaker {
    mutating func streamValue() -> String {
        func reference() -> String {
            var r = "\(name(ManifestFuzzer.namespacesForStreams))/\(name(["app", "web", "api", "db"])):\(pick(["80", "8080", "http", "web", "443", "18080"]))"
            if chance(0.2) { r += pick([":PROXY", ":PROXY:PROXY", ":proxy:PROXY", ":SEND"]) }
            if chance(0.2) { r += " weight=\(pick(["1", "3", "0", "1000", "x"]))" }
            return r
        }
        switch int(0..<10) {
        case 0..<2: return pick(ManifestFuzzer.streamHostile)
        case 2: return text()
        case 3..<5: return (0..<int(2..<4)).map { _ in reference() }.joined(separator: pick([",", ", ", " ,"]))
        default: return reference()
        }
    }

    mutating func streamConfigMap(_ name: String) -> [String: Any] {
        var data: [String: String] = [:]
        for _ in 0..<int(1..<6) { data[chance(0.8) ? pick(ManifestFuzzer.streamPorts) : text(maxLength: 6)] = streamValue() }
        return [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": name, "namespace": ManifestFuzzer.streamNamespace],
            "data": data,
        ]
    }
}

extension ManifestFuzzer {
    static let namespacesForStreams = ["default", "team-a"]

    /// `--expose-services` in `PipelineCheck`: the Services this label selects are exposed.
    package static let exposeLabel = "portico.io/expose"
    static let exposedHosts = ["a.test", "x.test", "*.w.test", "A.Test", "a.test;", "$host", "../a.test", "a.test\n}", "", "10.0.0.1"]
    static let exposedPorts = ["80", "8080", "http", "web", "0", "70000", "80;", "http}", "$port", "18080"]
    static let exposedTCPPorts = ["2222", "5432", "80", "443", "22", "0", "70000", "80;", "2222\nlisten 81", "$port"]
}

extension ManifestFuzzerMaker {
    /// A Service's labels and `portico.io/` annotations for `--expose-services`: selected or not, with
    /// a host, a port and a TCP port that are valid, taken or hostile.
    mutating func exposure(_ metadata: inout [String: Any]) {
        metadata["labels"] = [ManifestFuzzer.exposeLabel: pick(["true", "true", "false", "yes"])]
        var annotations: [String: String] = [:]
        if chance(0.5) { annotations["portico.io/host"] = chance(0.8) ? pick(ManifestFuzzer.exposedHosts) : text() }
        if chance(0.4) { annotations["portico.io/port"] = chance(0.8) ? pick(ManifestFuzzer.exposedPorts) : text() }
        if chance(0.3) { annotations["portico.io/tcp-port"] = chance(0.8) ? pick(ManifestFuzzer.exposedTCPPorts) : text(maxLength: 6) }
        if !annotations.isEmpty { metadata["annotations"] = annotations }
    }
}

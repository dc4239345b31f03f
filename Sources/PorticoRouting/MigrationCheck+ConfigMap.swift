import PorticoModel

extension MigrationCheck {
    /// What `portico check` says of the `--configmap` ConfigMap: each key, as `GlobalConfig` reads it.
    public struct ConfigMapReport: Sendable, Equatable, Codable {
        public var namespace: String
        public var name: String
        /// False: not in the input (the built-in defaults apply).
        public var found: Bool
        /// One per key, in key order; `subject` is `data["KEY"]`.
        public var findings: [Finding]

        /// The worst status among the findings (`honoured` without any).
        public var status: Status { findings.map(\.status).max() ?? .honoured }
    }

    /// The ConfigMap `options.globalConfigMap` names; nil without the option.
    public static func configMap(_ state: ClusterState, options: RoutingOptions) -> ConfigMapReport? {
        guard let ref = options.globalConfigMap else { return nil }
        let configMap = state.configMaps.first { $0.metadata.effectiveNamespace == ref.namespace && $0.metadata.name == ref.name }
        guard let data = configMap?.data ?? (configMap == nil ? nil : [:]) else {
            return ConfigMapReport(namespace: ref.namespace, name: ref.name, found: false, findings: [])
        }
        let (_, diagnostics) = GlobalConfig.read(state, options: options)
        let findings = data.keys.sorted().map { key -> Finding in
            let subject = GlobalConfig.Reader.field(key)
            let (support, why) = GlobalConfig.support(key)
            if key == "allow-snippet-annotations", RoutingRun.parseBool((data[key] ?? "").trimmingSpaces) == false {
                return Finding(subject: subject, status: .honoured, detail: "snippet annotations are refused, as asked")
            }
            if let d = diagnostics.first(where: { $0.field == subject }), d.code == .invalidConfigMapValue {
                return Finding(subject: subject, status: .honoured, detail: "not a valid value: the built-in default applies")
            }
            if key == "force-ssl-redirect", diagnostics.contains(where: { $0.field == subject }) {
                return Finding(subject: subject, status: .unsupported, detail: "no HTTPS listener (--no-https): plain HTTP is served")
            }
            let status: Status =
                switch support {
                case .honoured: .honoured
                case .honouredDifferently: .honouredDifferently
                case .unsupported: .unsupported
                case .refused: .refused
                }
            return Finding(subject: subject, status: status, detail: why)
        }
        return ConfigMapReport(namespace: ref.namespace, name: ref.name, found: true, findings: findings)
    }
}

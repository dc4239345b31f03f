import PorticoModel
import PorticoTLS

/// The certificate an HTTPS listener of one of Portico's Gateways presents, by the names it
/// covers: its hostname exactly, a wildcard's one or more labels, or (no hostname) every name
/// that has no certificate of its own, clients without SNI included.
public struct GatewayCertificate: Sendable, Hashable {
    /// nil: the listener has no hostname.
    public var hostname: GatewayHostname?
    /// One of the table's `certificates`.
    public var file: String
    public var listener: GatewayAttachment.ListenerKey
}

/// Why a listener's certificate cannot be served, as its `ResolvedRefs` condition says it.
public struct ListenerCertificateProblem: Error, Sendable, Equatable {
    /// `InvalidCertificateRef` or `RefNotPermitted`.
    public var reason: String
    public var message: String
}

/// Which Secret an HTTPS listener's certificate comes from: its first `tls.certificateRefs`
/// entry (Portico presents one certificate per listener), a core Secret in the Gateway's
/// namespace or in one whose ReferenceGrant lets the Gateway's namespace refer to it.
public enum ListenerCertificateRef {
    public static func secret(
        _ ref: SecretObjectReference, index i: Int, gatewayNamespace: String, grants: [ReferenceGrant]
    ) -> Result<ObjectReference, ListenerCertificateProblem> {
        let at = "tls.certificateRefs[\(i)]"
        guard ref.group == "", ref.kind == "Secret" else {
            let kind = ref.group.isEmpty ? ref.kind : "\(ref.kind).\(ref.group)"
            return .failure(.init(reason: "InvalidCertificateRef", message: "\(at): kind \(MessageText.quoted(kind)) is not supported; only a Secret is"))
        }
        let secret = ObjectReference(kind: "Secret", namespace: ref.namespace ?? gatewayNamespace, name: ref.name)
        if secret.namespace != gatewayNamespace && !granted(secret, toGatewaysIn: gatewayNamespace, grants: grants) {
            return .failure(
                .init(
                    reason: "RefNotPermitted",
                    message: "\(at): \(secret) is in another namespace, and no ReferenceGrant in \(MessageText.quoted(secret.namespace)) "
                        + "lets Gateways from \(MessageText.quoted(gatewayNamespace)) refer to it"))
        }
        return .success(secret)
    }

    /// A grant in the Secret's namespace from Gateways of `namespace` to Secrets (all, or this
    /// one by name); a grant in any other namespace counts for nothing.
    static func granted(_ secret: ObjectReference, toGatewaysIn namespace: String, grants: [ReferenceGrant]) -> Bool {
        grants.contains { $0.metadata.effectiveNamespace == secret.namespace && $0.permits(GatewayAPI.group, "Gateway", from: namespace, to: secret) }
    }

    /// Why a Secret's certificate and key would not be served (missing, not base64, too large,
    /// not a valid chain and key), or nil. Never says anything of the key but that.
    public static func contentProblem(_ secret: Secret) -> String? {
        var data: [[UInt8]] = []
        for k in ["tls.crt", "tls.key"] {
            switch RoutingRun.decoded(secret, k) {
            case nil: return "\(k) is larger than Portico accepts"
            case .some(nil): return "it has no \(k) (a kubernetes.io/tls Secret holds tls.crt and tls.key)"
            case .some(let bytes?): data.append(bytes)
            }
        }
        if case .failure(let problem) = RoutingRun.validate(certificate: data[0], key: data[1]).0 { return problem.message }
        return nil
    }
}

extension ReferenceGrant {
    /// Whether the grant lets objects of `group`/`kind` in `namespace` refer to `target` (a core
    /// object: a Service, a Secret), by its kind and, when the grant names one, its name. Only a
    /// grant in the target's namespace counts: the caller asks the grants there.
    func permits(_ group: String, _ kind: String, from namespace: String, to target: ObjectReference) -> Bool {
        spec.from.contains { $0.group == group && $0.kind == kind && $0.namespace == namespace }
            && spec.to.contains { $0.group == "" && $0.kind == target.kind && ($0.name ?? target.name) == target.name }
    }
}

extension GatewayAttachment {
    /// Portico's Gateways (of a GatewayClass whose `controllerName` is ours), the first of a
    /// repeated object counting.
    public static func ownGateways(_ state: ClusterState, controllerName: String) -> [ObjectReference: Gateway] {
        let classes = Set(state.gatewayClasses.filter { $0.spec.controllerName == controllerName }.map(\.metadata.name))
        var gateways: [ObjectReference: Gateway] = [:]
        for gateway in state.gateways where classes.contains(gateway.spec.gatewayClassName) {
            let ref = ObjectReference(kind: "Gateway", namespace: gateway.metadata.effectiveNamespace, name: gateway.metadata.name)
            if gateways[ref] == nil { gateways[ref] = gateway }
        }
        return gateways
    }
}

extension RoutingRun {
    /// The HTTPS listeners' certificates, validated as Ingress certificates are; their files join
    /// `files`. The oldest Gateway (then namespace/name, then listener order) decides a hostname;
    /// an Ingress's `spec.tls` host keeps its own certificate. A listener whose certificate cannot
    /// be served is left on the others' (with a diagnostic; its status says why).
    mutating func gatewayCertificates(adding files: inout [CertificateFile], ingressTLSHosts: Set<String>) -> [GatewayCertificate] {
        guard !state.gateways.isEmpty else { return [] }
        let gateways = GatewayAttachment.ownGateways(state, controllerName: options.gatewayControllerName)
        let ordered = gateways.sorted { a, b in
            let (ta, tb) = (CreationTime(a.value.metadata.creationTimestamp), CreationTime(b.value.metadata.creationTimestamp))
            return ta != tb ? ta < tb : a.key < b.key
        }
        var out: [GatewayCertificate] = []
        var taken: [String: GatewayAttachment.ListenerKey] = [:]
        for (ref, gateway) in ordered {
            for (l, listener) in gateway.spec.listeners.enumerated() where listener.protocol == "HTTPS" {
                let at = "spec.listeners[\(l)]"
                guard let tls = listener.tls, tls.mode == "Terminate", let first = tls.certificateRefs.first else { continue }
                var hostname: GatewayHostname?
                if let text = listener.hostname {
                    guard let valid = try? GatewayHostname(validating: text) else { continue }  // the Gateway's status says so
                    hostname = valid
                }
                let key = GatewayAttachment.ListenerKey(gateway: ref, listener: listener.name)
                let name = hostname?.text ?? ""
                if hostname.map({ ingressTLSHosts.contains($0.text) }) ?? false {
                    diagnose(
                        .conflict, ref, "\(at).hostname",
                        "host \(name) takes its certificate from an Ingress's spec.tls (Ingresses keep their hosts); this listener's is not served")
                    continue
                }
                if let owner = taken[name] {
                    diagnose(
                        .conflict, ref, "\(at).tls",
                        "\(hostname.map { "hostname \($0)" } ?? "the hostname-less certificate") already comes from \(owner) "
                            + "(older, or first by namespace/name); this listener's is not served")
                    continue
                }
                let field = "\(at).tls.certificateRefs[0]"
                guard case .success(let secret) = ListenerCertificateRef.secret(first, index: 0, gatewayNamespace: ref.namespace, grants: state.referenceGrants)
                else { continue }  // not a Secret, or not permitted: the status says so; nothing to validate
                let secretKey = ServiceKey(namespace: secret.namespace, name: secret.name)
                let claim = TLSClaim(source: ref, field: at, secret: secretKey, secretField: field)
                guard let valid = certificate(secretKey, claim: claim, fallback: "; the listener's names get the other certificates") else { continue }
                if let hostname {
                    for warning in CertificateValidation.warnings(for: valid.leaf, host: hostname.text, now: now) {
                        diagnose(.certificateWarning, ref, field, "\(secret) for listener \(MessageText.quoted(listener.name)): \(warning.message)")
                    }
                }
                taken[name] = key
                add(valid, secret: secretKey, serving: hostname?.text ?? "*", to: &files)
                out.append(GatewayCertificate(hostname: hostname, file: valid.path, listener: key))
            }
        }
        return out
    }
}

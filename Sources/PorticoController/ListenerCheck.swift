import PorticoModel
import PorticoRouting

/// A Gateway listener's own conditions, from what the cluster holds: `Accepted` (a protocol
/// Portico serves), `ResolvedRefs` (route kinds it can take, and for HTTPS certificate Secrets
/// that exist, in the Gateway's namespace or one whose ReferenceGrant lets it in) and `Programmed`
/// (both, and a valid hostname). The certificates' contents are validated where they are routed.
struct ListenerCheck {
    struct Result {
        var supportedKinds: [RouteGroupKind]
        var accepted: GatewayCondition
        var resolvedRefs: GatewayCondition
        var programmed: GatewayCondition
    }

    static let served = RouteGroupKind(group: GatewayAPI.group, kind: "HTTPRoute")

    private var secrets: Set<ObjectReference> = []
    /// By the namespace they are in: the only one they grant access to.
    private var grants: [String: [ReferenceGrant]] = [:]

    init(_ state: ClusterState) {
        for secret in state.secrets {
            secrets.insert(
                ObjectReference(
                    kind: "Secret", namespace: secret.metadata.effectiveNamespace, name: secret.metadata.name)
            )
        }
        for grant in state.referenceGrants {
            grants[grant.metadata.effectiveNamespace, default: []].append(grant)
        }
    }

    func check(_ listener: GatewayListener, of gateway: Gateway, generation: Int?) -> Result {
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String)
            -> GatewayCondition
        {
            GatewayCondition(
                type: type, status: status, reason: reason, message: message, observedGeneration: generation)
        }
        let kinds = listener.routeKinds
        let supported = kinds.filter { $0 == Self.served }

        let accepted =
            ["HTTP", "HTTPS"].contains(listener.protocol)
            ? condition("Accepted", true, "Accepted", "listener accepted")
            : condition(
                "Accepted", false, "UnsupportedProtocol",
                "protocol \(MessageText.quoted(listener.protocol)) is not served; Portico serves HTTP and HTTPS listeners"
            )

        let resolvedRefs: GatewayCondition
        if supported.count < kinds.count, let other = kinds.first(where: { $0 != Self.served }) {
            resolvedRefs = condition(
                "ResolvedRefs", false, "InvalidRouteKinds",
                "allowedRoutes.kinds: \(MessageText.quoted(other.group + "/" + other.kind)) is not supported; only HTTPRoute is"
            )
        } else if listener.protocol == "HTTPS",
            let problem = certificateProblem(listener, gatewayNamespace: gateway.metadata.effectiveNamespace)
        {
            resolvedRefs = condition("ResolvedRefs", false, problem.reason, problem.message)
        } else {
            resolvedRefs = condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved")
        }

        let hostnameProblem = listener.hostname.flatMap { text -> String? in
            (try? GatewayHostname(validating: text)) == nil
                ? "hostname \(MessageText.quoted(text)) is not a valid hostname" : nil
        }
        let programmed: GatewayCondition
        if !accepted.status {
            programmed = condition("Programmed", false, "Invalid", accepted.message)
        } else if !resolvedRefs.status {
            programmed = condition("Programmed", false, "Invalid", resolvedRefs.message)
        } else if let hostnameProblem {
            programmed = condition("Programmed", false, "Invalid", hostnameProblem)
        } else {
            programmed = condition("Programmed", true, "Programmed", "listener programmed")
        }
        return Result(
            supportedKinds: supported, accepted: accepted, resolvedRefs: resolvedRefs, programmed: programmed)
    }

    /// The first certificateRef that is not a Secret, not permitted, or not there (with a
    /// certificate and key).
    private func certificateProblem(_ listener: GatewayListener, gatewayNamespace: String) -> (
        reason: String, message: String
    )? {
        let refs = listener.tls?.certificateRefs ?? []
        guard !refs.isEmpty else {
            return ("InvalidCertificateRef", "an HTTPS listener needs tls.certificateRefs")
        }
        for (i, ref) in refs.enumerated() {
            let at = "tls.certificateRefs[\(i)]"
            guard ref.group == "", ref.kind == "Secret" else {
                let kind = ref.group.isEmpty ? ref.kind : "\(ref.kind).\(ref.group)"
                return (
                    "InvalidCertificateRef",
                    "\(at): kind \(MessageText.quoted(kind)) is not supported; only a Secret is"
                )
            }
            let secret = ObjectReference(
                kind: "Secret", namespace: ref.namespace ?? gatewayNamespace, name: ref.name)
            if secret.namespace != gatewayNamespace && !granted(secret, toGatewaysIn: gatewayNamespace) {
                return (
                    "RefNotPermitted",
                    "\(at): \(secret) is in another namespace, and no ReferenceGrant in \(MessageText.quoted(secret.namespace)) "
                        + "lets Gateways from \(MessageText.quoted(gatewayNamespace)) refer to it"
                )
            }
            if !secrets.contains(secret) {
                return (
                    "InvalidCertificateRef", "\(at): \(secret) not found, or it holds no tls.crt and tls.key"
                )
            }
        }
        return nil
    }

    private func granted(_ secret: ObjectReference, toGatewaysIn namespace: String) -> Bool {
        (grants[secret.namespace] ?? []).contains { grant in
            grant.spec.from.contains {
                $0.group == GatewayAPI.group && $0.kind == "Gateway" && $0.namespace == namespace
            }
                && grant.spec.to.contains {
                    $0.group == "" && $0.kind == "Secret" && ($0.name ?? secret.name) == secret.name
                }
        }
    }
}

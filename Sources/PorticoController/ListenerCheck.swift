import PorticoModel
import PorticoRouting

/// A Gateway listener's own conditions, from what the cluster holds: `Accepted` (a protocol
/// Portico serves), `ResolvedRefs` (route kinds it can take, and for HTTPS certificate Secrets
/// that exist, in the Gateway's namespace or one whose ReferenceGrant lets it in, with a valid
/// certificate and key) and `Programmed` (both, and a valid hostname).
struct ListenerCheck {
    struct Result {
        var supportedKinds: [RouteGroupKind]
        var accepted: GatewayCondition
        var resolvedRefs: GatewayCondition
        var programmed: GatewayCondition
    }

    static let served = RouteGroupKind(group: GatewayAPI.group, kind: "HTTPRoute")

    private var secrets: [ObjectReference: Secret] = [:]
    /// By the namespace they are in: the only one they grant access to.
    private var grants: [String: [ReferenceGrant]] = [:]

    init(_ state: ClusterState) {
        for secret in state.secrets {
            let ref = ObjectReference(kind: "Secret", namespace: secret.metadata.effectiveNamespace, name: secret.metadata.name)
            if secrets[ref] == nil { secrets[ref] = secret }
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

    /// The first certificateRef that is not a Secret, not permitted, not there, or whose
    /// certificate and key would not be served (`ListenerCertificateRef`).
    private func certificateProblem(_ listener: GatewayListener, gatewayNamespace: String) -> (
        reason: String, message: String
    )? {
        let refs = listener.tls?.certificateRefs ?? []
        guard !refs.isEmpty else {
            return ("InvalidCertificateRef", "an HTTPS listener needs tls.certificateRefs")
        }
        for (i, ref) in refs.enumerated() {
            let grants = grants[ref.namespace ?? gatewayNamespace] ?? []
            switch ListenerCertificateRef.secret(ref, index: i, gatewayNamespace: gatewayNamespace, grants: grants) {
            case .failure(let problem): return (problem.reason, problem.message)
            case .success(let secret):
                guard let data = secrets[secret] else {
                    return ("InvalidCertificateRef", "tls.certificateRefs[\(i)]: \(secret) not found")
                }
                if let problem = ListenerCertificateRef.contentProblem(data) {
                    return ("InvalidCertificateRef", "tls.certificateRefs[\(i)]: \(secret): \(problem)")
                }
            }
        }
        return nil
    }
}

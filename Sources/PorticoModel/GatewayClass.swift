/// A `gateway.networking.k8s.io/v1` GatewayClass: which controller (`spec.controllerName`) serves
/// the Gateways that name it. Cluster-scoped.
public struct GatewayClass: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: GatewayClassSpec
    /// As last written (by Portico or the CRD's default); nil when there is none.
    public var status: GatewayClassStatus?

    public init(metadata: ObjectMeta, spec: GatewayClassSpec, status: GatewayClassStatus? = nil) {
        self.apiVersion = GatewayAPI.group + "/v1"
        self.kind = "GatewayClass"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decodeIfPresent(GatewayClassSpec.self, forKey: .spec) ?? GatewayClassSpec(controllerName: "")
        status = try c.decodeIfPresent(GatewayClassStatus.self, forKey: .status)
    }
}

public struct GatewayClassSpec: Codable, Sendable, Equatable {
    /// `portico.io/gateway-controller` for Portico's; required, so a missing one reads as "" and
    /// matches no controller.
    public var controllerName: String
    public var description: String?

    public init(controllerName: String, description: String? = nil) {
        self.controllerName = controllerName
        self.description = description
    }

    enum CodingKeys: String, CodingKey { case controllerName, description }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        controllerName = try c.decodeIfPresent(String.self, forKey: .controllerName) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description)
    }
}

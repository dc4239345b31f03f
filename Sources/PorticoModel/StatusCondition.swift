/// One `metav1.Condition` as stored in a Gateway API object's status: what a controller last
/// wrote (or the CRD's default, `Unknown`/`Pending`). `status` is `True`, `False` or `Unknown`.
public struct StatusCondition: Codable, Sendable, Equatable, Hashable {
    public var type: String
    public var status: String
    public var observedGeneration: Int?
    /// RFC 3339; changes only when `status` does.
    public var lastTransitionTime: String
    public var reason: String
    public var message: String

    public init(
        type: String, status: String, observedGeneration: Int? = nil, lastTransitionTime: String,
        reason: String,
        message: String
    ) {
        self.type = type
        self.status = status
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case type, status, observedGeneration, lastTransitionTime, reason, message
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? ""
        status = try c.decodeIfPresent(String.self, forKey: .status) ?? "Unknown"
        observedGeneration = try c.decodeIfPresent(Int.self, forKey: .observedGeneration)
        lastTransitionTime = try c.decodeIfPresent(String.self, forKey: .lastTransitionTime) ?? ""
        reason = try c.decodeIfPresent(String.self, forKey: .reason) ?? ""
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

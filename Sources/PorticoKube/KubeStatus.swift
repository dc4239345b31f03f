/// A `meta/v1` Status: the body of API errors and of watch ERROR events.
public struct KubeStatus: Codable, Sendable, Equatable {
    public var status: String?
    public var message: String?
    /// `NotFound`, `Forbidden`, `Expired`, `Gone`, `Conflict`, `TooManyRequests`, ...
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Codable, Sendable, Equatable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var retryAfterSeconds: Int?
    }

    public init(status: String? = nil, message: String? = nil, reason: String? = nil, code: Int? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
    }
}

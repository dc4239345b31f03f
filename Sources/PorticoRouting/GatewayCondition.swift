/// One status condition as the Gateway API writes them (`metav1.Condition` without the
/// transition time, which is the status writer's to keep): a type, True or False, a reason from
/// the specification's list, a message for people, and the generation it was computed from.
public struct GatewayCondition: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var type: String
    public var status: Bool
    public var reason: String
    public var message: String
    public var observedGeneration: Int?

    public init(type: String, status: Bool, reason: String, message: String, observedGeneration: Int? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
    }

    /// `Accepted=False (NotAllowedByListeners): ...`
    public var description: String { "\(type)=\(status ? "True" : "False") (\(reason)): \(message)" }
}

/// The condition types and reasons of `apis/v1/shared_types.go` that Portico writes, spelt once.
public enum RouteConditionReason {
    public static let accepted = "Accepted"
    public static let notAllowedByListeners = "NotAllowedByListeners"
    public static let noMatchingListenerHostname = "NoMatchingListenerHostname"
    public static let noMatchingParent = "NoMatchingParent"
    public static let unsupportedValue = "UnsupportedValue"
    public static let resolvedRefs = "ResolvedRefs"
    public static let refNotPermitted = "RefNotPermitted"
    public static let invalidKind = "InvalidKind"
    public static let backendNotFound = "BackendNotFound"
}

public enum RouteConditionType {
    public static let accepted = "Accepted"
    public static let resolvedRefs = "ResolvedRefs"
}

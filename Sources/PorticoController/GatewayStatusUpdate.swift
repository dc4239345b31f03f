import PorticoModel
import PorticoRouting

/// One write of a Gateway API object's whole `status` through its status subresource.
public struct GatewayStatusUpdate: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case gatewayClass(GatewayClassStatus)
        case gateway(GatewayStatus)
        case httpRoute(HTTPRouteStatus)
    }

    /// `GatewayClass` (namespace ""), `Gateway` or `HTTPRoute`.
    public var object: ObjectReference
    /// The resourceVersion the status was planned on: the write fails (409) if the object changed since.
    public var resourceVersion: String?
    public var status: Status

    public init(object: ObjectReference, resourceVersion: String?, status: Status) {
        self.object = object
        self.resourceVersion = resourceVersion
        self.status = status
    }

    /// The status as compared with an earlier write: without transition times, which are "now"
    /// for every condition whose status changes (and so differ between two plans of one change).
    var content: Status {
        func strip(_ conditions: [StatusCondition]) -> [StatusCondition] {
            conditions.map {
                var c = $0; c.lastTransitionTime = ""; return c
            }
        }
        switch status {
        case .gatewayClass(var s):
            s.conditions = strip(s.conditions)
            return .gatewayClass(s)
        case .gateway(var s):
            s.conditions = strip(s.conditions)
            s.listeners = s.listeners.map {
                var l = $0; l.conditions = strip(l.conditions); return l
            }
            return .gateway(s)
        case .httpRoute(var s):
            s.parents = s.parents.map {
                var p = $0; p.conditions = strip(p.conditions); return p
            }
            return .httpRoute(s)
        }
    }
}

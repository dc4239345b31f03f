/// The `status` of the Gateway API kinds Portico writes, as the API server stores them: read so
/// that a write happens only when it changes something, keeps each condition's
/// `lastTransitionTime` while its status holds, and leaves other controllers' entries as they are.

/// A GatewayClass's status: `Accepted` for the classes whose controller is Portico.
public struct GatewayClassStatus: Codable, Sendable, Equatable {
    public var conditions: [StatusCondition]

    public init(conditions: [StatusCondition] = []) { self.conditions = conditions }

    enum CodingKeys: String, CodingKey { case conditions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conditions = try c.decodeIfPresent([StatusCondition].self, forKey: .conditions)?.compacted() ?? []
    }
}

/// A Gateway's status: where it is reachable, its own conditions and one entry per listener.
public struct GatewayStatus: Codable, Sendable, Equatable {
    public var addresses: [GatewayStatusAddress]
    public var conditions: [StatusCondition]
    public var listeners: [ListenerStatus]

    public init(
        addresses: [GatewayStatusAddress] = [], conditions: [StatusCondition] = [],
        listeners: [ListenerStatus] = []
    ) {
        self.addresses = addresses
        self.conditions = conditions
        self.listeners = listeners
    }

    enum CodingKeys: String, CodingKey { case addresses, conditions, listeners }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        addresses = try c.decodeIfPresent([GatewayStatusAddress].self, forKey: .addresses)?.compacted() ?? []
        conditions = try c.decodeIfPresent([StatusCondition].self, forKey: .conditions)?.compacted() ?? []
        listeners = try c.decodeIfPresent([ListenerStatus].self, forKey: .listeners)?.compacted() ?? []
    }
}

/// `status.addresses[]`: `IPAddress` or `Hostname`.
public struct GatewayStatusAddress: Codable, Sendable, Equatable {
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case type, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "IPAddress"
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}

/// `status.listeners[]`: by listener name.
public struct ListenerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var supportedKinds: [RouteGroupKind]
    public var attachedRoutes: Int
    public var conditions: [StatusCondition]

    public init(
        name: String, supportedKinds: [RouteGroupKind] = [], attachedRoutes: Int = 0,
        conditions: [StatusCondition] = []
    ) {
        self.name = name
        self.supportedKinds = supportedKinds
        self.attachedRoutes = attachedRoutes
        self.conditions = conditions
    }

    enum CodingKeys: String, CodingKey { case name, supportedKinds, attachedRoutes, conditions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        supportedKinds =
            try c.decodeIfPresent([RouteGroupKind].self, forKey: .supportedKinds)?.compacted() ?? []
        attachedRoutes = try c.decodeIfPresent(Int.self, forKey: .attachedRoutes) ?? 0
        conditions = try c.decodeIfPresent([StatusCondition].self, forKey: .conditions)?.compacted() ?? []
    }
}

/// An HTTPRoute's status: one entry per parent, each written by that parent's controller.
public struct HTTPRouteStatus: Codable, Sendable, Equatable {
    public var parents: [RouteParentStatus]

    public init(parents: [RouteParentStatus] = []) { self.parents = parents }

    enum CodingKeys: String, CodingKey { case parents }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parents = try c.decodeIfPresent([RouteParentStatus].self, forKey: .parents)?.compacted() ?? []
    }
}

/// `status.parents[]`: the parentRef as the route gives it, whose controller wrote the entry, and
/// its conditions (`Accepted`, `ResolvedRefs`).
public struct RouteParentStatus: Codable, Sendable, Equatable {
    public var parentRef: ParentReference
    public var controllerName: String
    public var conditions: [StatusCondition]

    public init(parentRef: ParentReference, controllerName: String, conditions: [StatusCondition] = []) {
        self.parentRef = parentRef
        self.controllerName = controllerName
        self.conditions = conditions
    }

    enum CodingKeys: String, CodingKey { case parentRef, controllerName, conditions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parentRef =
            try c.decodeIfPresent(ParentReference.self, forKey: .parentRef) ?? ParentReference(name: "")
        controllerName = try c.decodeIfPresent(String.self, forKey: .controllerName) ?? ""
        conditions = try c.decodeIfPresent([StatusCondition].self, forKey: .conditions)?.compacted() ?? []
    }
}

import PorticoModel
import PorticoRouting

/// Decides which Events to write, with no I/O and an injected clock: one Event per object, reason
/// and message (a recurrence bumps its count rather than creating another), nothing for a diagnostic
/// already reported and still present, and token buckets per object and overall so a flapping
/// cluster cannot flood the API server. A diagnostic the limits hold back is retried on a later pass
/// while it lasts.
public struct EventPlanner: Sendable {
    public struct Limits: Sendable, Equatable {
        public var perObjectBurst: Int
        public var perObjectPerSecond: Double
        public var overallBurst: Int
        public var overallPerSecond: Double
        /// Records of diagnostics that went away are forgotten after this long.
        public var forgetAfter: Duration
        /// At most this many records are kept.
        public var maxRecords: Int

        public init(
            perObjectBurst: Int = 10, perObjectPerSecond: Double = 1.0 / 30, overallBurst: Int = 100,
            overallPerSecond: Double = 5, forgetAfter: Duration = .seconds(3600), maxRecords: Int = 10_000
        ) {
            self.perObjectBurst = perObjectBurst
            self.perObjectPerSecond = perObjectPerSecond
            self.overallBurst = overallBurst
            self.overallPerSecond = overallPerSecond
            self.forgetAfter = forgetAfter
            self.maxRecords = maxRecords
        }
    }

    /// What makes two diagnostics the same Event.
    struct Key: Hashable {
        var object: ObjectReference
        var reason: String
        var message: String
    }

    struct Record {
        var name: String
        var count: Int
        /// Reported and still present in the last pass: nothing to write.
        var active: Bool
        var lastSeen: ContinuousClock.Instant
    }

    public enum Action: Sendable, Equatable {
        case create(EventDraft)
        /// The Event exists: raise its count to `draft.count` and its last timestamp to now.
        case bump(EventDraft)

        public var draft: EventDraft {
            switch self {
            case .create(let d), .bump(let d): d
            }
        }
    }

    public struct Plan: Sendable, Equatable {
        public var actions: [Action]
        /// Held back by a rate limit this pass.
        public var dropped: Int
    }

    /// Longest message sent, in bytes (events.k8s.io caps `note` at 1 kB).
    static let maxMessageBytes = 1024

    let limits: Limits
    private var records: [Key: Record] = [:]
    private var perObject: [ObjectReference: TokenBucket] = [:]
    private var overall: TokenBucket

    public init(limits: Limits = Limits(), now: ContinuousClock.Instant) {
        self.limits = limits
        overall = TokenBucket(capacity: limits.overallBurst, perSecond: limits.overallPerSecond, now: now)
    }

    /// The Events to write for this pass's diagnostics. Call `confirm` for each action that succeeded.
    public mutating func plan(
        _ diagnostics: [Diagnostic], uids: [ObjectReference: String], now: ContinuousClock.Instant
    ) -> Plan {
        var current: [Key: Diagnostic] = [:]
        var order: [Key] = []
        for d in diagnostics
        where d.severity == .warning && d.object.kind == "Ingress" && Validation.isLabel(d.object.namespace) {
            let key = Key(object: d.object, reason: Self.reason(d.code), message: Self.message(d))
            if current.updateValue(d, forKey: key) == nil { order.append(key) }
        }
        for key in records.keys where current[key] == nil { records[key]?.active = false }
        for key in order { records[key]?.lastSeen = now }

        var plan = Plan(actions: [], dropped: 0)
        for key in order where records[key]?.active != true {
            var bucket =
                perObject[key.object]
                ?? TokenBucket(capacity: limits.perObjectBurst, perSecond: limits.perObjectPerSecond, now: now)
            guard bucket.available(at: now) >= 1, overall.available(at: now) >= 1 else {
                plan.dropped += 1
                continue
            }
            _ = bucket.take(at: now)
            _ = overall.take(at: now)
            perObject[key.object] = bucket
            var draft = EventDraft(
                name: Self.eventName(key), object: key.object, uid: uids[key.object], reason: key.reason,
                message: key.message, type: "Warning", count: 1)
            if let record = records[key] {
                draft.name = record.name
                draft.count = record.count + 1
                plan.actions.append(.bump(draft))
            } else {
                plan.actions.append(.create(draft))
            }
        }
        forget(now: now)
        return plan
    }

    /// The action's write succeeded (or found the Event already there with `count`): the diagnostic
    /// is reported until it goes away.
    public mutating func confirm(_ draft: EventDraft, count: Int? = nil, now: ContinuousClock.Instant) {
        let key = Key(object: draft.object, reason: draft.reason, message: draft.message)
        records[key] = Record(name: draft.name, count: count ?? draft.count, active: true, lastSeen: now)
    }

    /// Whether the diagnostic behind `draft` is reported and still present.
    func isReported(_ draft: EventDraft) -> Bool {
        records[Key(object: draft.object, reason: draft.reason, message: draft.message)]?.active == true
    }

    var recordCount: Int { records.count }
    var bucketCount: Int { perObject.count }

    private mutating func forget(now: ContinuousClock.Instant) {
        records = records.filter { $0.value.active || $0.value.lastSeen.duration(to: now) < limits.forgetAfter }
        if records.count > limits.maxRecords {
            let oldest = records.filter { !$0.value.active }.sorted { $0.value.lastSeen < $1.value.lastSeen }
            for (key, _) in oldest.prefix(records.count - limits.maxRecords) { records[key] = nil }
        }
        perObject = perObject.filter { !$0.value.isFull(at: now) }
    }

    /// A stable CamelCase reason per code: users filter on these (`kubectl get events --field-selector
    /// reason=InvalidPath`), so they never change.
    public static func reason(_ code: Diagnostic.Code) -> String {
        switch code {
        case .invalidName: "InvalidName"
        case .invalidHost: "InvalidHost"
        case .invalidPath: "InvalidPath"
        case .invalidPathType: "InvalidPathType"
        case .invalidBackend: "InvalidBackend"
        case .invalidAnnotation: "InvalidAnnotation"
        case .invalidTLS: "InvalidTLS"
        case .unsupportedAnnotation: "UnsupportedAnnotation"
        case .serviceNotFound: "ServiceNotFound"
        case .portNotFound: "PortNotFound"
        case .invalidService: "InvalidService"
        case .conflict: "RouteConflict"
        case .duplicateObject: "DuplicateObject"
        case .tooManyPaths: "TooManyPaths"
        case .emptyRule: "EmptyRule"
        case .otherClass: "OtherClass"
        case .certificateWarning: "CertificateWarning"
        case .tlsNotServed: "TLSNotServed"
        case .accessControlNotHonoured: "AccessControlNotHonoured"
        case .canaryNotServed: "CanaryNotServed"
        case .authUnavailable: "AuthUnavailable"
        case .invalidStreamService: "InvalidStreamService"
        case .configMapNotFound: "ConfigMapNotFound"
        case .invalidConfigMapValue: "InvalidConfigMapValue"
        case .unsupportedConfigMapKey: "UnsupportedConfigMapKey"
        case .routeNotAccepted: "RouteNotAccepted"
        case .unsupportedRouteField: "UnsupportedRouteField"
        }
    }

    /// `field: why`, cut at a character boundary to `maxMessageBytes`.
    static func message(_ d: Diagnostic) -> String {
        let full = d.field.isEmpty ? d.message : "\(d.field): \(d.message)"
        return capped(full, bytes: maxMessageBytes)
    }

    static func capped(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        let marker = "… (cut)"
        var out = ""
        var used = 0
        for ch in text {
            let n = String(ch).utf8.count
            if used + n + marker.utf8.count > bytes { break }
            out.append(ch)
            used += n
        }
        return out + marker
    }

    /// `<ingress name>.<16 hex digits>`: a valid object name whatever the Ingress is called.
    static func eventName(_ key: Key) -> String {
        var hash = FNV1a()
        for part in [key.object.namespace, key.object.name, key.reason, key.message] { hash.add(part.utf8 + [0]) }
        let hex = hash.hex
        var prefix = Validation.isSubdomain(key.object.name) ? String(key.object.name.prefix(200)) : "portico"
        while let last = prefix.last, last == "." || last == "-" { prefix.removeLast() }
        return "\(prefix.isEmpty ? "portico" : prefix).\(hex)"
    }
}

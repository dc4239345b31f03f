import Foundation
import PorticoModel
import PorticoRouting
import Testing

@testable import PorticoController

@Suite struct EventPlannerTests {
    let clock = FakeClock()

    func confirmAll(_ plan: EventPlanner.Plan, _ planner: inout EventPlanner) {
        for action in plan.actions { planner.confirm(action.draft, now: clock.now) }
    }

    @Test func aDiagnosticIsReportedOnceWhileItLasts() {
        var planner = EventPlanner(now: clock.now)
        let d = R.diag("bad")
        let first = planner.plan([d], uids: [R.ref("bad"): "uid-1"], now: clock.now)
        #expect(first.actions.count == 1)
        guard case .create(let draft)? = first.actions.first else {
            Issue.record("expected a create: \(first)")
            return
        }
        #expect(draft.reason == "InvalidPath")
        #expect(draft.type == "Warning")
        #expect(draft.uid == "uid-1")
        #expect(draft.count == 1)
        #expect(draft.message == "spec.rules[0].http.paths[0].path: \"/x;}\" has a character that is not allowed; path left out")
        confirmAll(first, &planner)
        for _ in 0..<5 {
            clock.advance(.seconds(1))
            #expect(planner.plan([d], uids: [:], now: clock.now).actions.isEmpty)
        }
    }

    /// Another controller's Ingress is not Portico's to write Events on: an info diagnostic makes none.
    @Test func infoDiagnosticsMakeNoEvent() {
        var planner = EventPlanner(now: clock.now)
        let info = Diagnostic(.otherClass, R.ref("theirs"), field: "spec.ingressClassName", "class \"nginx\" ...; not served")
        let left = Diagnostic(.accessControlNotHonoured, R.ref("auth"), field: "metadata.annotations", "left out")
        let plan = planner.plan([info, left], uids: [:], now: clock.now)
        #expect(plan.actions.map(\.draft.reason) == ["AccessControlNotHonoured"])
    }

    @Test func anUnconfirmedWriteIsPlannedAgain() {
        var planner = EventPlanner(now: clock.now)
        let d = R.diag("bad")
        #expect(planner.plan([d], uids: [:], now: clock.now).actions.count == 1)
        // The write failed (no confirm): the next pass tries again.
        #expect(planner.plan([d], uids: [:], now: clock.now).actions.count == 1)
    }

    @Test func aRecurrenceBumpsTheSameEvent() {
        var planner = EventPlanner(now: clock.now)
        let d = R.diag("bad")
        let first = planner.plan([d], uids: [:], now: clock.now)
        confirmAll(first, &planner)
        // Fixed, then broken again: the same Event, count 2.
        #expect(planner.plan([], uids: [:], now: clock.now).actions.isEmpty)
        let again = planner.plan([d], uids: [:], now: clock.now)
        guard case .bump(let bumped)? = again.actions.first else {
            Issue.record("expected a bump: \(again)")
            return
        }
        #expect(bumped.name == first.actions.first?.draft.name)
        #expect(bumped.count == 2)
        confirmAll(again, &planner)
        _ = planner.plan([], uids: [:], now: clock.now)
        #expect(planner.plan([d], uids: [:], now: clock.now).actions.first?.draft.count == 3)
    }

    @Test func anEventAlreadyThereIsAdoptedWithItsCount() {
        var planner = EventPlanner(now: clock.now)
        let d = R.diag("bad")
        let plan = planner.plan([d], uids: [:], now: clock.now)
        guard let draft = plan.actions.first?.draft else {
            Issue.record("nothing planned")
            return
        }
        planner.confirm(draft, count: 7, now: clock.now)
        #expect(planner.plan([d], uids: [:], now: clock.now).actions.isEmpty)
        _ = planner.plan([], uids: [:], now: clock.now)
        #expect(planner.plan([d], uids: [:], now: clock.now).actions.first?.draft.count == 8)
    }

    @Test func differentMessagesAreDifferentEvents() {
        var planner = EventPlanner(now: clock.now)
        let plan = planner.plan(
            [R.diag("bad"), R.diag("bad", .serviceNotFound, field: "spec.rules[0].http.paths[1]", "service \"api\" not found; answers 503"),
             R.diag("bad")],
            uids: [:], now: clock.now)
        #expect(plan.actions.count == 2)
        #expect(Set(plan.actions.map(\.draft.name)).count == 2)
        #expect(plan.actions.map(\.draft.reason) == ["InvalidPath", "ServiceNotFound"])
    }

    @Test func aFlappingObjectIsLimitedPerObject() {
        let limits = EventPlanner.Limits(perObjectBurst: 3, perObjectPerSecond: 0.1, overallBurst: 100, overallPerSecond: 10)
        var planner = EventPlanner(limits: limits, now: clock.now)
        var emitted = 0, dropped = 0
        // Ten different messages about one Ingress at once: the burst passes, the rest waits.
        let many = (0..<10).map { R.diag("flap", .invalidHost, field: "spec.rules[\($0)].host", "bad host") }
        let plan = planner.plan(many, uids: [:], now: clock.now)
        emitted += plan.actions.count
        dropped += plan.dropped
        confirmAll(plan, &planner)
        #expect(emitted == 3)
        #expect(dropped == 7)
        // Another object is not held back by this one.
        #expect(planner.plan(many + [R.diag("calm")], uids: [:], now: clock.now).actions.map(\.draft.object.name) == ["calm"])
        // After ten seconds one more token; after a long while the rest.
        clock.advance(.seconds(10))
        let later = planner.plan(many, uids: [:], now: clock.now)
        #expect(later.actions.count == 1)
        confirmAll(later, &planner)
        clock.advance(.seconds(600))
        let rest = planner.plan(many, uids: [:], now: clock.now)
        #expect(rest.actions.count == 3)
    }

    @Test func theOverallLimitCapsAFloodOfObjects() {
        let limits = EventPlanner.Limits(perObjectBurst: 10, perObjectPerSecond: 1, overallBurst: 20, overallPerSecond: 2)
        var planner = EventPlanner(limits: limits, now: clock.now)
        let flood = (0..<1000).map { R.diag("i\($0)") }
        let plan = planner.plan(flood, uids: [:], now: clock.now)
        #expect(plan.actions.count == 20)
        #expect(plan.dropped == 980)
        confirmAll(plan, &planner)
        clock.advance(.seconds(5))
        #expect(planner.plan(flood, uids: [:], now: clock.now).actions.count == 10)
    }

    @Test func memoryStaysBounded() {
        let limits = EventPlanner.Limits(overallBurst: 100_000, overallPerSecond: 1000, forgetAfter: .seconds(60), maxRecords: 50)
        var planner = EventPlanner(limits: limits, now: clock.now)
        for round in 0..<5 {
            let plan = planner.plan((0..<40).map { R.diag("r\(round)-\($0)") }, uids: [:], now: clock.now)
            confirmAll(plan, &planner)
            clock.advance(.seconds(1))
        }
        _ = planner.plan([], uids: [:], now: clock.now)
        #expect(planner.recordCount <= 50)
        clock.advance(.seconds(3600))
        _ = planner.plan([], uids: [:], now: clock.now)
        #expect(planner.recordCount == 0)
        #expect(planner.bucketCount == 0)
    }

    @Test func hostileValuesGiveValidNamesAndCappedMessages() {
        var planner = EventPlanner(now: clock.now)
        let long = String(repeating: "é", count: 2000)
        let hostile = Diagnostic(.invalidName, R.ref("Bad\nName"), field: "metadata.name", long)
        let badNamespace = Diagnostic(.invalidName, R.ref("web", ns: "Not A Namespace"), field: "metadata.namespace", "x")
        let notIngress = Diagnostic(.invalidService, ObjectReference(kind: "Service", namespace: "default", name: "s"), field: "", "x")
        let plan = planner.plan([hostile, badNamespace, notIngress], uids: [:], now: clock.now)
        #expect(plan.actions.count == 1)
        let draft = plan.actions[0].draft
        #expect(draft.name.hasPrefix("portico."))
        #expect(Validation.isSubdomain(draft.name))
        #expect(draft.message.utf8.count <= EventPlanner.maxMessageBytes)
        #expect(draft.message.hasSuffix("… (cut)"))
        // 199 characters of labels, then a dot: the name is cut at 200 and must not end in ".".
        let longName = Array(repeating: String(repeating: "a", count: 49), count: 4).joined(separator: ".") + "." + String(repeating: "b", count: 53)
        let named = EventPlanner.eventName(.init(object: R.ref(longName), reason: "InvalidPath", message: "m"))
        #expect(Validation.isSubdomain(named), "\(named)")
        #expect(named.count <= 253)
    }

    @Test(arguments: [
        (Diagnostic.Code.invalidName, "InvalidName"), (.invalidHost, "InvalidHost"), (.invalidPath, "InvalidPath"),
        (.invalidPathType, "InvalidPathType"), (.invalidBackend, "InvalidBackend"),
        (.invalidAnnotation, "InvalidAnnotation"), (.unsupportedAnnotation, "UnsupportedAnnotation"),
        (.serviceNotFound, "ServiceNotFound"), (.portNotFound, "PortNotFound"), (.invalidService, "InvalidService"),
        (.conflict, "RouteConflict"), (.duplicateObject, "DuplicateObject"), (.tooManyPaths, "TooManyPaths"),
        (.emptyRule, "EmptyRule"), (.invalidTLS, "InvalidTLS"), (.otherClass, "OtherClass"), (.tlsNotServed, "TLSNotServed"), (.certificateWarning, "CertificateWarning"),
        (.accessControlNotHonoured, "AccessControlNotHonoured"), (.canaryNotServed, "CanaryNotServed"), (.authUnavailable, "AuthUnavailable"),
    ])
    func reasonsAreStableCamelCase(code: Diagnostic.Code, reason: String) {
        #expect(EventPlanner.reason(code) == reason)
    }
}

import Foundation
import InMemoryLogging
import Logging
import Testing

@testable import PorticoController

@Suite struct LeaderElectionTests {
    let clock = FakeClock()

    func observed(_ holder: String, duration: Int = 15, changedAgo: Duration) -> LeaderElection.Observation {
        LeaderElection.Observation(
            lease: StoredLease(record: LeaseRecord(holderIdentity: holder, leaseDurationSeconds: duration), resourceVersion: "1"),
            changedAt: clock.now - changedAgo)
    }

    @Test func decisions() {
        let now = clock.now
        #expect(LeaderElection.decide(nil, now: now, identity: "me") == .create)
        #expect(LeaderElection.decide(observed("me", changedAgo: .seconds(100)), now: now, identity: "me") == .renew)
        #expect(LeaderElection.decide(observed("", changedAgo: .zero), now: now, identity: "me") == .takeOver)
        #expect(LeaderElection.decide(observed("other", changedAgo: .seconds(15)), now: now, identity: "me") == .takeOver)
        #expect(
            LeaderElection.decide(observed("other", changedAgo: .seconds(14)), now: now, identity: "me")
                == .follow(holder: "other", expiresAt: now + .seconds(1)))
        #expect(LeaderElection.decide(observed("other", duration: 3, changedAgo: .seconds(3)), now: now, identity: "me") == .takeOver)
    }

    @Test func expiryCountsFromTheLastObservedChangeOnTheLocalClock() {
        let lease = StoredLease(record: LeaseRecord(holderIdentity: "other", leaseDurationSeconds: 15, renewTime: "t1"), resourceVersion: "1")
        let first = LeaderElection.Observation(lease: lease, changedAt: clock.now)
        clock.advance(.seconds(10))
        // Read again unchanged: the change time stays, so the lease expires 15 s after it was first seen.
        let same = first.updated(with: lease, at: clock.now)
        #expect(same.changedAt == first.changedAt)
        clock.advance(.seconds(5))
        #expect(LeaderElection.decide(same, now: clock.now, identity: "me") == .takeOver)
        // Renewed meanwhile (new renewTime): 15 s from now.
        var renewed = lease
        renewed.record.renewTime = "t2"
        renewed.resourceVersion = "2"
        let fresh = same.updated(with: renewed, at: clock.now)
        #expect(fresh.changedAt == clock.now)
        #expect(LeaderElection.decide(fresh, now: clock.now, identity: "me") == .follow(holder: "other", expiresAt: clock.now + .seconds(15)))
    }

    @Test func recordsWritten() {
        let wall = Date(timeIntervalSince1970: 1_780_000_000.25)
        let created = LeaderElection.record(for: .create, previous: nil, identity: "me", leaseDurationSeconds: 15, wallTime: wall)
        #expect(created == LeaseRecord(holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: "2026-05-28T20:26:40.250000Z", renewTime: "2026-05-28T20:26:40.250000Z", leaseTransitions: 0))
        let previous = LeaseRecord(holderIdentity: "other", leaseDurationSeconds: 15, acquireTime: "a", renewTime: "r", leaseTransitions: 4)
        let taken = LeaderElection.record(for: .takeOver, previous: previous, identity: "me", leaseDurationSeconds: 15, wallTime: wall)
        #expect(taken?.holderIdentity == "me")
        #expect(taken?.leaseTransitions == 5)
        var mine = previous
        mine.holderIdentity = "me"
        let renewed = LeaderElection.record(for: .renew, previous: mine, identity: "me", leaseDurationSeconds: 15, wallTime: wall)
        #expect(renewed?.leaseTransitions == 4)
        #expect(renewed?.acquireTime == "a")
        #expect(renewed?.renewTime == "2026-05-28T20:26:40.250000Z")
    }

    func elector(_ name: String, _ store: MemoryLeaseStore, metrics: ControllerMetrics = ControllerMetrics()) -> LeaderElector {
        LeaderElector(
            store: store, options: .init(identity: name, leaseName: "ingress/portico-leader"), metrics: metrics,
            logger: Logger(label: "test") { _ in InMemoryLogHandler() }, now: { clock.now }, wallClock: { clock.date })
    }

    @Test func twoElectorsOneLeaderThenTakeoverAfterExpiry() async {
        let store = MemoryLeaseStore()
        let metricsA = ControllerMetrics()
        let a = elector("a", store, metrics: metricsA), b = elector("b", store)
        await a.tick()
        await b.tick()
        #expect(a.isLeader && !b.isLeader)
        #expect(metricsA.prometheusText().contains("portico_leader 1"))
        for _ in 0..<10 {
            clock.advance(.seconds(2))
            await a.tick()
            await b.tick()
            #expect(a.isLeader && !b.isLeader)
        }
        // a stops renewing (crashed): b waits the lease duration from the last renewal it saw.
        clock.advance(.seconds(14))
        await b.tick()
        #expect(!b.isLeader)
        clock.advance(.seconds(1))
        await b.tick()
        #expect(b.isLeader)
        #expect(store.lease?.record.holderIdentity == "b")
        #expect(store.lease?.record.leaseTransitions == 1)
        // a comes back: it sees b's lease and steps down.
        await a.tick()
        #expect(!a.isLeader)
        #expect(metricsA.prometheusText().contains("portico_leader 0"))
    }

    @Test func releaseHandsOverAtOnce() async {
        let store = MemoryLeaseStore()
        let a = elector("a", store), b = elector("b", store)
        await a.tick()
        await b.tick()
        await a.release()
        #expect(!a.isLeader)
        #expect(store.lease?.record.holderIdentity == "")
        await b.tick()
        #expect(b.isLeader)
        #expect(store.lease?.record.leaseTransitions == 1)
    }

    /// A renewal cancelled in flight (shutdown) may have been written all the same: the release
    /// then conflicts, reads the Lease again and frees it; a Lease someone else holds by then is
    /// left alone.
    @Test func releaseFreesALeaseRenewedBehindItsBack() async {
        let store = MemoryLeaseStore()
        let a = elector("a", store)
        await a.tick()
        store.rewrite()
        await a.release()
        #expect(store.lease?.record.holderIdentity == "")

        let other = MemoryLeaseStore()
        let c = elector("c", other)
        await c.tick()
        var taken = other.lease!.record
        taken.holderIdentity = "d"
        other.rewrite(taken)
        await c.release()
        #expect(other.lease?.record.holderIdentity == "d")
    }

    @Test func aLeaderThatCannotRenewStepsDownAtTheRenewDeadline() async {
        let store = MemoryLeaseStore()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in logs }
        logger.logLevel = .debug
        let a = LeaderElector(
            store: store, options: .init(identity: "a", leaseName: "ingress/portico-leader"), metrics: ControllerMetrics(),
            logger: logger, now: { clock.now }, wallClock: { clock.date })
        await a.tick()
        #expect(a.isLeader)
        store.unreachable = true
        clock.advance(.seconds(8))
        await a.tick()
        #expect(a.isLeader)
        clock.advance(.seconds(2))
        await a.tick()
        #expect(!a.isLeader)
        // One warning per outage, not one every retry period.
        let failures = logs.entries.filter { $0.message == "leader election: lease read or write failed" }
        #expect(failures.map(\.level) == [.warning, .debug])
        #expect(failures.first?.metadata["lease"] == "ingress/portico-leader")
        store.unreachable = false
        await a.tick()
        #expect(a.isLeader)
        #expect(logs.entries.contains { $0.message == "leader election: lease reachable again" })
    }
}

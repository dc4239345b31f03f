import Foundation
import PorticoModel
import Testing

@testable import PorticoKube

@Suite struct ChangeNotifierTests {
    @Test func manyChangesWakeAWaitingConsumerOnce() async throws {
        let notifier = ChangeNotifier()
        var iterator = ClusterChanges(notifier: notifier, start: 0).makeAsyncIterator()
        for _ in 0..<1000 { notifier.bump() }
        #expect(await iterator.next() == 1000)
        notifier.bump()
        #expect(await iterator.next() == 1001)
    }

    @Test func aConsumerWaitsForTheNextChange() async throws {
        let notifier = ChangeNotifier()
        try await withThrowingTaskGroup(of: UInt64?.self) { group in
            group.addTask {
                var iterator = ClusterChanges(notifier: notifier, start: 0).makeAsyncIterator()
                return await iterator.next()
            }
            // Time for the consumer to be waiting (nothing says it is); it must not return meanwhile.
            try await Task.sleep(for: .milliseconds(50))
            notifier.bump()
            #expect(try await group.next() == .some(1))
        }
    }

    @Test func cancellationEndsTheSequence() async throws {
        let notifier = ChangeNotifier()
        let consumer = Task {
            var count = 0
            for await _ in ClusterChanges(notifier: notifier, start: 0) { count += 1 }
            return count
        }
        // Time for the consumer to be waiting (nothing says it is) before it is cancelled.
        try await Task.sleep(for: .milliseconds(50))
        consumer.cancel()
        #expect(await consumer.value == 0)
    }

    @Test func backoffGrowsIsCappedAndJittered() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        let delays = (0..<10).map { _ in backoff.next() }
        #expect(delays[0] >= .milliseconds(50) && delays[0] <= .milliseconds(100))
        #expect(delays[3] >= .milliseconds(400) && delays[3] <= .milliseconds(800))
        #expect(delays.allSatisfy { $0 <= .seconds(2) })
        #expect(delays[9] >= .seconds(1))
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }

    @Test func apiErrorDecodesTheStatusAndSaysWhatToDo() {
        let body =
            #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"ingresses.networking.k8s.io is forbidden: User \"system:serviceaccount:ingress:portico\" cannot list resource \"ingresses\" in API group \"networking.k8s.io\" at the cluster scope","reason":"Forbidden","details":{"kind":"ingresses","group":"networking.k8s.io"},"code":403}"#
        let error = KubeAPIError(
            response: HTTPResponse(status: 403, headers: [:], body: Data(body.utf8)),
            operation: "list ingresses.networking.k8s.io at the cluster scope")
        #expect(error.code == 403 && error.reason == "Forbidden")
        #expect(
            error.description
                == #"403 Forbidden: ingresses.networking.k8s.io is forbidden: User "system:serviceaccount:ingress:portico" cannot list resource "ingresses" in API group "networking.k8s.io" at the cluster scope (list ingresses.networking.k8s.io at the cluster scope); grant it in the ClusterRole (see rc.yaml)"#
        )
        let throttled = KubeAPIError(
            response: HTTPResponse(status: 429, headers: ["retry-after": "3"], body: Data("busy".utf8)),
            operation: "x")
        #expect(throttled.retryAfterSeconds == 3 && throttled.isTransient && throttled.message == "busy")
    }

    @Test func resourcePaths() {
        #expect(
            PorticoKube.Event.resourceType.path(namespace: "a", name: "b") == "/api/v1/namespaces/a/events/b")
        #expect(
            Lease.resourceType.path(namespace: "kube-system")
                == "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases")
        #expect(
            IngressClass.resourceType.path(namespace: "ignored", name: "nginx")
                == "/apis/networking.k8s.io/v1/ingressclasses/nginx")
        #expect(
            KubeClient.queryString([("labelSelector", "app in (a,b),x!=y")])
                == "?labelSelector=app%20in%20(a%2Cb)%2Cx!%3Dy")
    }
}

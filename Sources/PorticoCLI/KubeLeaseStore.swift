import PorticoController
import PorticoKube
import PorticoModel

/// The elector's `LeaseStore`: one `coordination.k8s.io/v1` Lease, written with the resourceVersion
/// it was read at, so that of two replicas writing at once exactly one succeeds (409 for the other).
struct KubeLeaseStore: LeaseStore {
    let client: KubeClient
    let namespace: String
    let name: String

    var description: String { "\(namespace)/\(name)" }

    func get() async throws -> StoredLease? {
        do {
            return stored(try await client.get(Lease.self, namespace: namespace, name: name))
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    func create(_ record: LeaseRecord) async throws -> StoredLease {
        do {
            return stored(try await client.create(lease(record, resourceVersion: nil)))
        } catch let error as KubeAPIError where error.isConflict {
            throw LeaseConflict(lease: description)
        }
    }

    func update(_ record: LeaseRecord, resourceVersion: String) async throws -> StoredLease {
        do {
            return stored(try await client.update(lease(record, resourceVersion: resourceVersion)))
        } catch let error as KubeAPIError where error.isConflict {
            throw LeaseConflict(lease: description)
        }
    }

    private func lease(_ record: LeaseRecord, resourceVersion: String?) -> Lease {
        Lease(
            metadata: ObjectMeta(name: name, namespace: namespace, resourceVersion: resourceVersion),
            spec: LeaseSpec(
                holderIdentity: record.holderIdentity, leaseDurationSeconds: record.leaseDurationSeconds,
                acquireTime: record.acquireTime, renewTime: record.renewTime, leaseTransitions: record.leaseTransitions))
    }

    private func stored(_ lease: Lease) -> StoredLease {
        StoredLease(
            record: LeaseRecord(
                holderIdentity: lease.spec.holderIdentity ?? "", leaseDurationSeconds: lease.spec.leaseDurationSeconds ?? 15,
                acquireTime: lease.spec.acquireTime, renewTime: lease.spec.renewTime,
                leaseTransitions: lease.spec.leaseTransitions ?? 0),
            resourceVersion: lease.metadata.resourceVersion ?? "")
    }
}

import ArgumentParser
import Foundation
import Logging
import PorticoController
import PorticoKube

/// Leader election and the reporter, assembled for `portico run`.
struct ClusterReportingParts {
    let elector: LeaderElector
    let reporting: ClusterReporting
}

extension RunCommand {
    /// The publish address: `--publish-status-address`, else `$NODE_IP` (the downward API's
    /// status.hostIP in rc.yaml), else none (status is not written).
    static func publishAddress(flag: String?, environment: [String: String]) throws -> PublishAddress? {
        if let flag {
            guard let address = PublishAddress(flag) else {
                throw ValidationError(
                    "--publish-status-address: \"\(flag.prefix(80))\" is neither an IP address nor a DNS name (e.g. 203.0.113.7 or lb.example.com)")
            }
            return address
        }
        guard let node = environment["NODE_IP"], !node.isEmpty else { return nil }
        guard let address = PublishAddress(node) else {
            throw ValidationError(
                "NODE_IP: \"\(node.prefix(80))\" is not an IP address; set it from the downward API (status.hostIP) or pass --publish-status-address")
        }
        return address
    }

    /// This replica's name in the Lease: `--election-identity`, else `$POD_NAME`, else host name and pid.
    static func electionIdentity(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let pod = environment["POD_NAME"], !pod.isEmpty { return pod }
        return "\(ProcessInfo.processInfo.hostName)_\(getpid())"
    }

    func makeReporting(
        client: KubeClient, configuration: KubeConfiguration, metrics: ControllerMetrics, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClusterReportingParts {
        let publish = try Self.publishAddress(flag: publishStatusAddress, environment: environment)
        let identity = Self.electionIdentity(flag: electionIdentity, environment: environment)
        let namespace =
            electionNamespace ?? environment["POD_NAMESPACE"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.namespace
        let store = KubeLeaseStore(client: client, namespace: namespace, name: electionID)
        let elector = LeaderElector(
            store: store, options: .init(identity: identity, leaseName: store.description), metrics: metrics,
            logger: logger)
        let reporter = KubeClusterReporter(client: client, instance: identity, host: environment["NODE_NAME"])
        let reporting = ClusterReporting(
            reporter: reporter, options: .init(publish: publish, gatewayControllerName: gatewayAPI ? gatewayControllerName : nil),
            isLeader: { elector.isLeader }, metrics: metrics,
            logger: logger)
        elector.onChange { leading in if leading { reporting.wake() } }
        logger.info("reporting to the cluster", metadata: [
            "election.lease": "\(store.description)", "election.identity": "\(identity)",
            "status.address": "\(publish?.description ?? "(none: status not written)")",
            "gateway.controller_name": "\(gatewayAPI ? gatewayControllerName : "(none: --no-gateway-api)")",
        ])
        return ClusterReportingParts(elector: elector, reporting: reporting)
    }
}

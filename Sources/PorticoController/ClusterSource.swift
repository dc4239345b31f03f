import PorticoModel
import PorticoRender

/// Where the controller reads the cluster: the Kubernetes client's cache in production, an
/// in-memory double in tests.
public protocol ClusterSource: Sendable {
    /// A consistent snapshot of everything routing needs.
    func snapshot() async throws -> ClusterState
    /// Wakes the controller when anything relevant may have changed. Carries nothing: the
    /// controller reads a whole snapshot (level-based), so a lost or merged wake-up loses nothing.
    func changes() -> AsyncStream<Void>
}

/// Where the controller puts configs live: nginx in production, an in-memory double in tests.
/// The config comes unrendered: the sink writes it straight into its destination
/// (`config.write(to:)`), so its whole text is never held in memory.
public protocol ConfigSink: Sendable {
    /// Puts the first config live and returns once it serves.
    func start(config: ConfigText, generation: Int) async throws
    /// Replaces the live config; on error the previous one keeps serving.
    func apply(config: ConfigText, generation: Int) async throws
}

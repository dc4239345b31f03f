import ArgumentParser
import PorticoKube

/// How to reach the Kubernetes API: in cluster, nothing; out of cluster, a kubeconfig.
struct ClusterFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.",
        valueName: "file"))
    var kubeconfig: String?

    @Option(help: ArgumentHelp("The kubeconfig context to use (default: its current-context).", valueName: "name"))
    var context: String?

    func configuration() throws -> KubeConfiguration {
        try KubeConfiguration.automatic(kubeconfig: kubeconfig, context: context)
    }
}

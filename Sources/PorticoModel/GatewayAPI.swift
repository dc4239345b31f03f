/// The Gateway API's group, `gateway.networking.k8s.io`, and how a manifest's `apiVersion` is told
/// to be in it: Istio has a `Gateway` kind too (`networking.istio.io`), which Portico must skip
/// rather than misread.
public enum GatewayAPI {
    public static let group = "gateway.networking.k8s.io"

    /// True for `gateway.networking.k8s.io/<version>`, and for no apiVersion at all (a hand-written
    /// manifest, or an item of a typed list that names none), as the other kinds are read.
    static func isGroup(apiVersion: String?) -> Bool {
        guard let apiVersion else { return true }
        return apiVersion.hasPrefix(group + "/")
    }
}

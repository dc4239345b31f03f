import Foundation
import PorticoModel
import PorticoRouting

#if canImport(Glibc)
    import Glibc
#endif

/// The address written to `status.loadBalancer.ingress` of every Ingress Portico serves: an IP
/// (`ip:`) or a DNS name (`hostname:`).
public struct PublishAddress: Sendable, Equatable, CustomStringConvertible {
    public let loadBalancerIngress: LoadBalancerIngress

    /// Nil when `text` is neither an IPv4 or IPv6 address nor a DNS name (RFC 1123, lowercase).
    public init?(_ text: String) {
        if Self.isIP(text) {
            loadBalancerIngress = LoadBalancerIngress(ip: text)
        } else if Self.isDNSName(text) {
            loadBalancerIngress = LoadBalancerIngress(hostname: text)
        } else {
            return nil
        }
    }

    public var description: String { loadBalancerIngress.ip ?? loadBalancerIngress.hostname ?? "" }

    static func isIP(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    static func isDNSName(_ text: String) -> Bool {
        // An all-numeric last label would be a mistyped IP, not a name.
        guard let last = text.split(separator: ".").last, !last.allSatisfy(\.isNumber) else { return false }
        return Validation.isSubdomain(text)
    }
}

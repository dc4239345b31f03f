import Foundation
import PorticoModel

/// Typed reads and writes against the Kubernetes API.
///
/// Errors thrown: `KubeAPIError` (the server answered with an error Status), `KubeTransportError`
/// (no answer), `KubeConfigError` (credentials could not be obtained) and `KubeDecodingError`.
public final class KubeClient: Sendable {
    public let configuration: KubeConfiguration
    let transport: CurlTransport
    let credentials: CredentialProvider

    public init(configuration: KubeConfiguration) {
        self.configuration = configuration
        self.transport = CurlTransport(tls: configuration.tls)
        self.credentials = CredentialProvider(configuration.credentials)
    }

    // MARK: Reads

    public func get<R: KubeResource>(_ type: R.Type, namespace: String? = nil, name: String) async throws -> R
    {
        let path = R.resourceType.path(namespace: namespace ?? defaultNamespace(R.self), name: name)
        return try await send("GET", path, operation: "get \(R.resourceType) \(describe(namespace, name))")
    }

    /// One page of a list, and where the next page starts.
    public struct ListPage<R: KubeResource>: Sendable {
        public var items: [R]
        public var resourceVersion: String
        public var continueToken: String?
    }

    /// All objects of a kind, read in pages of `pageSize` (`limit`/`continue`) as one consistent
    /// snapshot; `namespace` nil means all namespaces.
    public func list<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        pageSize: Int = 500
    ) async throws -> (items: [R], resourceVersion: String) {
        var items: [R] = []
        var token: String?
        repeat {
            let page = try await listPage(
                type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                limit: pageSize, continueToken: token)
            items += page.items
            token = page.continueToken
            if token == nil { return (items, page.resourceVersion) }
        } while true
    }

    public func listPage<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        limit: Int = 500, continueToken: String? = nil
    ) async throws -> ListPage<R> {
        var query = [("limit", String(limit))]
        if let continueToken { query.append(("continue", continueToken)) }
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        let path = R.resourceType.path(namespace: namespace) + Self.queryString(query)
        let list: ObjectList<R> = try await send(
            "GET", path, operation: "list \(R.resourceType) \(describeScope(R.self, namespace))")
        let token = list.metadata?.continue.flatMap { $0.isEmpty ? nil : $0 }
        return ListPage(
            items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "",
            continueToken: token)
    }

    // MARK: Writes

    public func create<R: KubeResource>(_ object: R) async throws -> R {
        let namespace = object.metadata.namespace ?? defaultNamespace(R.self)
        return try await send(
            "POST", R.resourceType.path(namespace: namespace), body: try encode(object),
            operation: "create \(R.resourceType) \(describe(namespace, object.metadata.name))")
    }

    /// Replaces the object (PUT). Fails with 409 when `metadata.resourceVersion` is stale. Fields
    /// this client's model does not know are dropped by a full update: prefer `mergePatch`.
    public func update<R: KubeResource>(_ object: R) async throws -> R {
        let namespace = object.metadata.namespace ?? defaultNamespace(R.self)
        return try await send(
            "PUT", R.resourceType.path(namespace: namespace, name: object.metadata.name),
            body: try encode(object),
            operation: "update \(R.resourceType) \(describe(namespace, object.metadata.name))")
    }

    /// Replaces the `status` subresource (PUT .../status), e.g. an Ingress's load balancer addresses.
    public func updateStatus<R: KubeResource>(_ object: R) async throws -> R {
        let namespace = object.metadata.namespace ?? defaultNamespace(R.self)
        return try await send(
            "PUT",
            R.resourceType.path(namespace: namespace, name: object.metadata.name, subresource: "status"),
            body: try encode(object),
            operation: "update status of \(R.resourceType) \(describe(namespace, object.metadata.name))")
    }

    /// A JSON merge patch (RFC 7386) of the object, or of its status subresource.
    public func mergePatch<R: KubeResource, Patch: Encodable & Sendable>(
        _ type: R.Type, namespace: String? = nil, name: String, patch: Patch, subresource: String? = nil
    ) async throws -> R {
        let body: Data
        do {
            body = try JSONEncoder().encode(patch)
        } catch {
            throw KubeDecodingError(
                operation: "encode merge patch for \(R.resourceType) \(name)", reason: "\(error)")
        }
        return try await mergePatch(
            type, namespace: namespace, name: name, json: body, subresource: subresource)
    }

    public func mergePatch<R: KubeResource>(
        _ type: R.Type, namespace: String? = nil, name: String, json: Data, subresource: String? = nil
    ) async throws -> R {
        let namespace = namespace ?? defaultNamespace(R.self)
        return try await send(
            "PATCH", R.resourceType.path(namespace: namespace, name: name, subresource: subresource),
            body: json,
            contentType: "application/merge-patch+json",
            operation: "patch \(R.resourceType) \(describe(namespace, name))")
    }

    public func delete<R: KubeResource>(_ type: R.Type, namespace: String? = nil, name: String) async throws {
        let namespace = namespace ?? defaultNamespace(R.self)
        let _: KubeStatusOrObject = try await send(
            "DELETE", R.resourceType.path(namespace: namespace, name: name),
            operation: "delete \(R.resourceType) \(describe(namespace, name))")
    }

    // MARK: Plumbing

    func defaultNamespace<R: KubeResource>(_ type: R.Type) -> String? {
        R.resourceType.namespaced ? configuration.namespace : nil
    }

    private func describe(_ namespace: String?, _ name: String) -> String {
        namespace.map { "\($0)/\(name)" } ?? name
    }

    func describeScope<R: KubeResource>(_ type: R.Type, _ namespace: String?) -> String {
        guard R.resourceType.namespaced else { return "at the cluster scope" }
        return namespace.map { "in namespace \($0)" } ?? "at the cluster scope (all namespaces)"
    }

    private func encode<R: KubeResource>(_ object: R) throws -> Data {
        var object = object
        object.apiVersion = R.resourceType.apiVersion
        object.kind = R.resourceType.kind
        do {
            return try JSONEncoder().encode(object)
        } catch {
            throw KubeDecodingError(
                operation: "encode \(R.resourceType) \(object.metadata.name)", reason: "\(error)")
        }
    }

    static func queryString(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?/;,")
        let parts = items.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// Builds the request with the current credentials.
    func request(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil) async throws
        -> (HTTPRequest, ClientIdentity?)
    {
        let authorization = try await credentials.authorization()
        var request = HTTPRequest(method: method, url: configuration.server + path)
        request.headers.append(("Accept", "application/json"))
        request.headers.append(("User-Agent", "portico"))
        if let token = authorization.token { request.headers.append(("Authorization", "Bearer \(token)")) }
        if let body {
            request.body = body
            request.headers.append(("Content-Type", contentType ?? "application/json"))
        }
        return (request, authorization.identity)
    }

    /// Sends a request and decodes a 2xx body; on 401, refreshes the credentials and tries once more.
    private func send<T: Decodable>(
        _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, operation: String
    ) async throws -> T {
        var response = try await perform(method, path, body: body, contentType: contentType)
        if response.status == 401 {
            await credentials.invalidate()
            response = try await perform(method, path, body: body, contentType: contentType)
        }
        guard response.isSuccess else { throw KubeAPIError(response: response, operation: operation) }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw KubeDecodingError(operation: operation, reason: KubeConfiguration.reason(error))
        }
    }

    private func perform(_ method: String, _ path: String, body: Data?, contentType: String?) async throws
        -> HTTPResponse
    {
        let (request, identity) = try await request(method, path, body: body, contentType: contentType)
        return try await transport.perform(request, identity: identity)
    }
}

/// A 2xx answer whose body could not be decoded as the expected kind.
public struct KubeDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var reason: String
    public var description: String {
        "\(operation): the answer could not be decoded (\(reason)); the API server may serve a different version of this kind"
    }
}

/// `{"metadata": {"resourceVersion", "continue"}, "items": [...]}`.
struct ObjectList<R: KubeResource>: Decodable {
    struct Meta: Decodable {
        var resourceVersion: String?
        var `continue`: String?
    }
    var metadata: Meta?
    var items: [R]?
}

/// A DELETE answers with the deleted object or a Status; either is success.
private struct KubeStatusOrObject: Decodable {
    init(from decoder: any Decoder) throws {}
}

import Foundation
import PorticoModel

/// One decoded watch line.
public enum WatchEvent<Resource: KubeResource>: Sendable, Equatable {
    case added(Resource)
    case modified(Resource)
    case deleted(Resource)
    /// No change: only a newer resourceVersion to resume from.
    case bookmark(resourceVersion: String)
    /// The server ended the watch with a Status; code 410 means list again.
    case error(KubeStatus)
    /// A type this client does not know; skipped.
    case unknown(type: String)

    /// The resourceVersion to resume from after this event, if it carries one.
    var resourceVersion: String? {
        switch self {
        case .added(let r), .modified(let r), .deleted(let r): r.metadata.resourceVersion
        case .bookmark(let rv): rv
        case .error, .unknown: nil
        }
    }
}

extension WatchEvent: Decodable {
    private enum CodingKeys: String, CodingKey { case type, object }
    private struct BookmarkObject: Decodable {
        struct Meta: Decodable { var resourceVersion: String? }
        var metadata: Meta?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "ADDED": self = .added(try c.decode(Resource.self, forKey: .object))
        case "MODIFIED": self = .modified(try c.decode(Resource.self, forKey: .object))
        case "DELETED": self = .deleted(try c.decode(Resource.self, forKey: .object))
        case "BOOKMARK":
            let object = try c.decode(BookmarkObject.self, forKey: .object)
            self = .bookmark(resourceVersion: object.metadata?.resourceVersion ?? "")
        case "ERROR": self = .error(try c.decode(KubeStatus.self, forKey: .object))
        default: self = .unknown(type: type)
        }
    }
}

/// An apimachinery `LabelSelector` as objects carry it (`matchLabels`, `matchExpressions`), not
/// the `kubectl -l` text: a listener's `allowedRoutes.namespaces.selector`. All its terms must
/// hold; an empty selector matches everything.
public struct ObjectLabelSelector: Codable, Sendable, Equatable {
    public var matchLabels: [String: String]
    public var matchExpressions: [LabelSelectorRequirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [LabelSelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    enum CodingKeys: String, CodingKey { case matchLabels, matchExpressions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        matchLabels = try c.decodeIfPresent([String: String].self, forKey: .matchLabels) ?? [:]
        matchExpressions = try c.decodeIfPresent([LabelSelectorRequirement].self, forKey: .matchExpressions)?.compacted() ?? []
    }

    /// Whether `labels` satisfy every term; nil when an expression's operator is none of `In`,
    /// `NotIn`, `Exists` and `DoesNotExist`, which the API server would have refused: the caller
    /// says so rather than guess.
    public func matches(_ labels: [String: String]?) -> Bool? {
        let labels = labels ?? [:]
        var all = matchLabels.allSatisfy { labels[$0.key] == $0.value }
        for expression in matchExpressions {
            guard let holds = expression.matches(labels) else { return nil }
            all = all && holds
        }
        return all
    }
}

public struct LabelSelectorRequirement: Codable, Sendable, Equatable {
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`; kept as text so another value reaches validation.
    public var `operator`: String
    public var values: [String]

    public init(key: String, operator: String, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    enum CodingKeys: String, CodingKey { case key, `operator`, values }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        `operator` = try c.decodeIfPresent(String.self, forKey: .operator) ?? ""
        values = try c.decodeIfPresent([String].self, forKey: .values) ?? []
    }

    /// nil for an unknown operator.
    func matches(_ labels: [String: String]) -> Bool? {
        let value = labels[key]
        switch `operator` {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        default: return nil
        }
    }
}

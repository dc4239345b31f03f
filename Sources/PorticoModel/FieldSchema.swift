/// The field names Kubernetes' schema gives an object, for warning about the ones it does not
/// know (`pathtype` for `pathType`), as `kubectl apply` does. Types are not checked here: decoding
/// does that for the fields Portico reads.
indirect enum FieldSchema: Sendable {
    /// A struct: its fields, each with the schema of its value.
    case fields([String: FieldSchema])
    /// A list of values of one schema.
    case list(FieldSchema)
    /// Not looked into: a scalar, a map with keys of the user's choosing (labels, data), or a
    /// subtree the API server writes (status).
    case any

    /// The fields of `value` (a parsed YAML document) that the schema does not know.
    func unknownFields(in value: ManifestValue) -> [FieldPath] {
        var path = FieldPath()
        var found: [FieldPath] = []
        walk(value, &path, &found)
        return found.sorted()
    }

    private func walk(_ value: ManifestValue, _ path: inout FieldPath, _ found: inout [FieldPath]) {
        switch (self, value) {
        case (.fields(let known), .object(let object)):
            for (key, child) in object {
                guard let schema = known[key] else {
                    found.append(path.appending(.key(key)))
                    continue
                }
                if case .any = schema { continue }
                path.components.append(.key(key))
                schema.walk(child, &path, &found)
                path.components.removeLast()
            }
        case (.list(let schema), .array(let items)):
            if case .any = schema { return }
            for (index, child) in items.enumerated() {
                path.components.append(.index(index))
                schema.walk(child, &path, &found)
                path.components.removeLast()
            }
        default:
            break  // a type mismatch is decoding's to report, for the fields Portico reads
        }
    }
}

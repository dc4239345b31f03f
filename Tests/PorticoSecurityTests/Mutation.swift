import PorticoConfigCheck
import Testing

/// A rendered config with one mutation applied: the first occurrence of `from` replaced by `to`.
/// Records an issue (and gives nil) when `from` is not in the config, so a mutation that no
/// longer matches the template fails instead of passing unchecked.
func mutated(_ config: String, _ what: String, from: String, to: String) -> String? {
    #expect(config.contains(from), "mutation \(what): \(from) is not in the config")
    guard let r = config.range(of: from) else { return nil }
    return config.replacingCharacters(in: r, with: to)
}

/// Expects the checker (`problems`) to catch `mutation` (what, from, to) applied to `config`.
func expectCaught(_ mutation: (what: String, from: String, to: String), in config: String, _ problems: (String) -> [ConfigProblem]) {
    guard let changed = mutated(config, mutation.what, from: mutation.from, to: mutation.to) else { return }
    #expect(!problems(changed).isEmpty, "\(mutation.what) was not caught")
}

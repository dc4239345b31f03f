/// What `portico --version` prints.
public enum PorticoVersion {
    public static let version = "0.1.0"
    /// The git commit the binary was built from (`-modified` when the work tree had changes), or
    /// `unknown`.
    public static let commit = builtFromCommit

    public static var description: String { "portico \(version) (commit \(commit))" }
}

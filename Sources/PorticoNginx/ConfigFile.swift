/// Writes files so that a reader sees the old content or the new, never a mix: a temporary file in
/// the same directory, fsync, rename, then fsync of the directory (see `ConfigFileWriter`).
public enum ConfigFile {
    public static func writeAtomically(_ text: String, to path: String) throws(NginxError) {
        let file = try ConfigFileWriter(path: path)
        file.write(text)
        try file.commit()
    }

    /// Streams the file's text through `body`; on an error from `body` the old file stays.
    public static func writeAtomically(
        to path: String, _ body: (inout ConfigFileWriter) throws -> Void
    ) throws {
        var file = try ConfigFileWriter(path: path)
        do {
            try body(&file)
        } catch {
            file.discard()
            throw error
        }
        try file.commit()
    }
}

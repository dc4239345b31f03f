import Foundation
import PorticoNginx
import Testing
import TestSupport

/// The streamed atomic write that `portico run` renders nginx.conf through.
struct ConfigFileWriterTests {
    struct Interrupted: Error {}

    @Test func manySmallWritesAcrossTheBufferGiveTheExactText() throws {
        let dir = try TemporaryDirectory("portico-stream")
        let path = dir.file("nginx.conf").path
        var expected = ""
        try ConfigFile.writeAtomically(to: path) { file in
            for i in 0..<20_000 {
                let line = "line \(i) " + String(repeating: "x", count: i % 97) + "\n"
                file.write(line)
                expected += line
            }
            let big = String(repeating: "y", count: 200_000) + "\n"
            file.write(big)
            expected += big
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["nginx.conf"])
    }

    /// The committed file reads back as written, whatever it is renamed to or replaced by (the
    /// render cache reads unchanged hosts' text back from the config nginx loaded).
    @Test func theCommittedFileReadsBackAsWrittenAfterARename() throws {
        let dir = try TemporaryDirectory("portico-stream")
        let path = dir.file("nginx.conf").path
        var written: ConfigFileWriter?
        let text = String(repeating: "server é;\n", count: 30_000)
        try ConfigFile.writeAtomically(to: path) { file in
            written = file
            file.write(text)
        }
        let committed = try #require(written?.committedFile)
        #expect(committed.count == text.utf8.count)
        #expect(rename(path, path + ".refused") == 0)
        try ConfigFile.writeAtomically("other\n", to: path)
        #expect(committed.bytes() == Array(text.utf8))
    }

    @Test func anErrorWhileWritingKeepsTheOldFile() throws {
        let dir = try TemporaryDirectory("portico-stream")
        let path = dir.file("nginx.conf").path
        try ConfigFile.writeAtomically("old\n", to: path)
        #expect(throws: Interrupted.self) {
            try ConfigFile.writeAtomically(to: path) { file in
                file.write(String(repeating: "new\n", count: 100_000))
                throw Interrupted()
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["nginx.conf"])
    }

    @Test func aWriterDroppedWithoutCommitLeavesNothing() throws {
        let dir = try TemporaryDirectory("portico-stream")
        do {
            let file = try ConfigFileWriter(path: dir.file("nginx.conf").path)
            file.write("half")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

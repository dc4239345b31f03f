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
        var bytes = [UInt8](repeating: 0, count: committed.count)
        #expect(bytes.withUnsafeMutableBytes { committed.read(at: 0, into: $0) })
        #expect(bytes == Array(text.utf8))
    }

    /// Ranges of a committed file copied into the next one by the kernel, between text written
    /// as usual, give the exact text; a file that holds fewer bytes than asked is a write error.
    @Test func rangesOfTheCommittedFileCopyIntoTheNextOne() throws {
        let dir = try TemporaryDirectory("portico-stream")
        let path = dir.file("nginx.conf").path
        let old = (0..<30_000).map { "server \($0) é;\n" }.joined()
        var first: ConfigFileWriter?
        try ConfigFile.writeAtomically(to: path) { file in
            first = file
            file.write(old)
        }
        let committed = try #require(first?.committedFile)
        let bytes = Array(old.utf8)
        try ConfigFile.writeAtomically(to: path) { file in
            file.write("head\n")
            file.write(committed, offset: 10, count: 100_000)
            file.write("middle\n")
            file.write(committed, offset: 200_000, count: bytes.count - 200_000)
        }
        let expected = Array("head\n".utf8) + bytes[10..<100_010] + Array("middle\n".utf8) + bytes[200_000...]
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: NginxError.self) {
            try ConfigFile.writeAtomically(to: path) { file in
                file.write(committed, offset: bytes.count - 10, count: 20)
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    /// Anything that writes to the file, even keeping its length, changes its stamp.
    @Test func writingToTheCommittedFileChangesItsStamp() throws {
        let dir = try TemporaryDirectory("portico-stream")
        let path = dir.file("nginx.conf").path
        var written: ConfigFileWriter?
        try ConfigFile.writeAtomically(to: path) { file in
            written = file
            file.write("server a;\n")
        }
        let committed = try #require(written?.committedFile)
        let stamp = try #require(committed.stamp())
        #expect(committed.stamp() == stamp)
        let fd = open(path, O_WRONLY)
        #expect(pwrite(fd, "b", 1, 7) == 1)
        close(fd)
        #expect(committed.stamp() != stamp)
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

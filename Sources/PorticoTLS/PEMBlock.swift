import Foundation
import SwiftASN1

/// One `-----BEGIN label-----` … `-----END label-----` block of PEM text, found by its boundary
/// lines only. Its body is decoded by SwiftASN1 (`document()`), never here.
struct PEMBlock {
    var label: String
    /// RFC 1421 header lines, e.g. `Proc-Type: 4,ENCRYPTED` in a legacy encrypted key.
    var headers: [Substring]
    /// The base64 text with the line breaks and blanks removed.
    var base64: String

    var isLegacyEncrypted: Bool {
        headers.contains { $0.hasPrefix("Proc-Type:") && $0.contains("ENCRYPTED") }
    }

    /// The block as a document SwiftASN1 and swift-certificates read. The body is decoded with
    /// Foundation's base64 (any line length, as OpenSSL accepts), not by parsing PEM text again.
    func document() throws(DecodingError) -> PEMDocument {
        guard let der = Data(base64Encoded: base64) else { throw DecodingError() }
        return PEMDocument(type: label, derBytes: Array(der))
    }

    /// The body is not base64.
    struct DecodingError: Error {}

    /// `der` as a PEM block of `label` with 64-character lines and a final line break: the text
    /// Portico writes for nginx, made from what was validated.
    static func text(label: String, der: [UInt8]) -> String {
        let body = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(body)\n-----END \(label)-----\n"
    }
}

extension PEMBlock {
    /// Why text could not be split into blocks.
    enum SplitError: Error {
        /// Block `index` (1-based, among all blocks) has no END line.
        case unterminated(index: Int, label: String)
        /// Block `index` ends with `-----END other-----`.
        case mismatchedEnd(index: Int, label: String, end: String)
        /// More than `maxBlocks` blocks: splitting stopped there.
        case tooManyBlocks
    }

    /// The blocks of `text` in order; text outside blocks is ignored, as OpenSSL does. Cheap: a
    /// pass over the lines, nothing decoded, stopping at block `maxBlocks + 1`.
    static func split(_ text: String, maxBlocks: Int) throws(SplitError) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var open: (label: String, headers: [Substring], base64: String, inHeaders: Bool)?
        // By bytes: a megabyte of text is split in a few milliseconds.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = Substring(rawLine).trimmingASCIIWhitespace()
            if var block = open {
                if let end = boundaryLabel(line, "-----END ") {
                    guard end == block.label else {
                        throw .mismatchedEnd(index: blocks.count + 1, label: block.label, end: String(end))
                    }
                    blocks.append(PEMBlock(label: block.label, headers: block.headers, base64: block.base64))
                    open = nil
                } else if boundaryLabel(line, "-----BEGIN ") != nil {
                    throw .unterminated(index: blocks.count + 1, label: block.label)
                } else {
                    if block.inHeaders, line.utf8.contains(UInt8(ascii: ":")) {
                        block.headers.append(line)
                    } else if !line.isEmpty {
                        block.inHeaders = false
                        block.base64 += line
                    }
                    open = block
                }
            } else if let label = boundaryLabel(line, "-----BEGIN ") {
                guard blocks.count < maxBlocks else { throw .tooManyBlocks }
                open = (String(label), [], "", true)
            }
        }
        if let block = open { throw .unterminated(index: blocks.count + 1, label: block.label) }
        return blocks
    }

    /// `CERTIFICATE` for `-----BEGIN CERTIFICATE-----` and `prefix` `-----BEGIN `.
    private static func boundaryLabel(_ line: Substring, _ prefix: String) -> Substring? {
        // By bytes: compared as Unicode text, the boundary checks were most of splitting a chain.
        let bytes = line.utf8, dashes = "-----".utf8
        guard bytes.count >= prefix.utf8.count + dashes.count, bytes.starts(with: prefix.utf8),
            bytes.reversed().starts(with: dashes.reversed())
        else { return nil }
        let start = bytes.index(bytes.startIndex, offsetBy: prefix.utf8.count)
        let end = bytes.index(bytes.endIndex, offsetBy: -dashes.count)
        return line[start..<end]
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and the `\r` of a CRLF line ending.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) })
        else { return self[endIndex...] }
        return self[first..<utf8.index(after: last)]
    }
}

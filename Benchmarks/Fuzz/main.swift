// Random and mutated manifests through decode → route → render → structural check.
//   swift run -c release portico-fuzz --seed 1 --iterations 1000000
//   swift run -c release portico-fuzz --seed 7 --seconds 600
//   swift run -c release portico-fuzz --seed 7 --start 4242 --iterations 1 --print   (one input)
// Exits 1 when any input crashes nothing but breaks an invariant; a crash is the process dying,
// and the last "at input" line printed says where (rerun that index with --print).
import Foundation
import PorticoConfigCheck

var seed: UInt64 = 1
var start = 0
var iterations = Int.max
var seconds: Double?
var printInputs = false
var examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples")

var arguments = CommandLine.arguments.dropFirst()
@MainActor func value(_ flag: String) -> String {
    guard let v = arguments.popFirst() else {
        FileHandle.standardError.write(Data("portico-fuzz: \(flag) needs a value\n".utf8))
        exit(2)
    }
    return v
}
while let flag = arguments.popFirst() {
    switch flag {
    case "--seed": seed = UInt64(value(flag)) ?? 1
    case "--start": start = Int(value(flag)) ?? 0
    case "--iterations": iterations = Int(value(flag)) ?? 1000
    case "--seconds": seconds = Double(value(flag))
    case "--examples": examples = URL(fileURLWithPath: value(flag))
    case "--print": printInputs = true
    default:
        FileHandle.standardError.write(
            Data("usage: portico-fuzz [--seed S] [--start I] [--iterations N] [--seconds T] [--examples DIR] [--print]\n".utf8))
        exit(2)
    }
}
if iterations == .max && seconds == nil { iterations = 100_000 }

let campaign = FuzzCampaign(seed: seed, seeds: FuzzCampaign.exampleManifests(in: examples))
if printInputs {
    for i in start..<(start + min(iterations, 100)) {
        let (manifest, options) = campaign.input(i)
        print("--- input \(i), options \(options)\n\(manifest)")
    }
}
let began = Date()
let deadline = seconds.map { began.addingTimeInterval($0) } ?? .distantFuture
var total = FuzzCampaign.Report()
var next = start
let chunk = 10_000
while next < start + iterations || (iterations == .max && Date() < deadline) {
    let count = min(chunk, start + iterations - next)
    guard count > 0, Date() < deadline else { break }
    print("at input \(next)")
    let report = campaign.run(start: next, count: count, deadline: deadline)
    total.executions += report.executions
    total.rejected += report.rejected
    total.diagnostics += report.diagnostics
    total.failures += report.failures
    next += report.executions
    if !total.failures.isEmpty { break }
}
let elapsed = Date().timeIntervalSince(began)
print(
    "portico-fuzz: seed \(seed), inputs \(start)..<\(next): \(total.executions) executions in "
        + String(format: "%.1f s (%.0f/s)", elapsed, Double(total.executions) / max(elapsed, 0.001))
        + ", \(total.rejected) rejected by the decoder, \(total.diagnostics) diagnostics, \(total.failures.count) failures")
for failure in total.failures {
    print("FAILURE \(failure)\n  reproduce: portico-fuzz --seed \(seed) --start \(failure.index) --iterations 1 --print")
}
exit(total.failures.isEmpty ? 0 : 1)

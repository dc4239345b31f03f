import Foundation
import PorticoModel
import PorticoNginx
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoCLI

/// The controller's renderer copies unchanged hosts' text from the config file it wrote last
/// (`WrittenConfig`, `FileOutput`): the file must come out byte for byte as a fresh render, also
/// when someone changed the old file on disk in between.
struct WrittenConfigTests {
    static func table(_ count: Int, changed: Int? = nil) -> RoutingTable {
        let ingresses = (0..<count).map { i in
            Ingress(
                metadata: ObjectMeta(name: "app-\(i)", namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z"),
                spec: IngressSpec(rules: [
                    IngressRule(
                        host: "app-\(i).example.com",
                        paths: [
                            HTTPIngressPath(path: i == changed ? "/changed" : "/api", pathType: "Prefix", backend: .service("web", port: .init(number: 80))),
                            HTTPIngressPath(path: "/é", pathType: "Exact", backend: .service("web", port: .init(number: 80))),
                        ])
                ]))
        }
        let web = Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
        return Router().route(ClusterState(ingresses: ingresses, services: [web]))
    }

    /// Renders into `path` as the sink does and hands the file over.
    static func write(_ config: ConfigText, to path: String) throws {
        var written: ConfigFileWriter?
        try ConfigFile.writeAtomically(to: path) { file in
            written = file
            var out = FileOutput(file: file)
            try config.write(to: &out)
        }
        if let file = written?.committedFile { config.wrote(into: WrittenConfig(file: file)) }
    }

    static let options = RenderOptions(httpPort: 80, resolvers: ["10.0.0.1"])

    @Test func copiedTextEqualsAFreshRender() throws {
        let dir = try TemporaryDirectory("portico-written")
        let path = dir.file("nginx.conf").path
        let renderer = ConfigRenderer(reusingText: true)
        try Self.write(renderer.text(Self.table(300), options: Self.options), to: path)
        for changed in [7, 150, 299] {
            let table = Self.table(300, changed: changed)
            try Self.write(renderer.text(table, options: Self.options), to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == ConfigRenderer().render(table, options: Self.options))
            let counts = try #require(renderer.cache?.lastCounts)
            #expect(counts.rendered <= 4 && counts.reused >= 597)
        }
        // The file is renamed away and replaced: its change time moved, so nothing is copied from
        // it (Portico hands a file over only after its own renames).
        #expect(rename(path, path + ".old") == 0)
        try "replaced\n".write(toFile: path, atomically: false, encoding: .utf8)
        let table = Self.table(300, changed: 8)
        try Self.write(renderer.text(table, options: Self.options), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == ConfigRenderer().render(table, options: Self.options))
        #expect(renderer.cache?.lastCounts.reused == 0)
    }

    /// The file written last was changed in place behind Portico's back (its length kept): the next
    /// render copies nothing from it and renders every host.
    @Test(arguments: [false, true]) func aChangedFileIsNotCopiedFrom(truncated: Bool) throws {
        let dir = try TemporaryDirectory("portico-written")
        let path = dir.file("nginx.conf").path
        let renderer = ConfigRenderer(reusingText: true)
        try Self.write(renderer.text(Self.table(50), options: Self.options), to: path)
        let fd = open(path, O_WRONLY)
        if truncated {
            #expect(ftruncate(fd, 100) == 0)
        } else {
            let size = lseek(fd, 0, SEEK_END)
            #expect(pwrite(fd, "#####", 5, size / 2) == 5)
        }
        close(fd)
        let table = Self.table(50, changed: 3)
        try Self.write(renderer.text(table, options: Self.options), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == ConfigRenderer().render(table, options: Self.options))
        #expect(renderer.cache?.lastCounts.reused == 0)
    }
}

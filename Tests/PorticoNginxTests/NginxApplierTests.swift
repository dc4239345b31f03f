import Foundation
import PorticoNginx
import Testing
import TestSupport

/// Real nginx on loopback: start, reload, refuse a bad config, keep serving the last good one.
@Suite(.serialized) struct NginxApplierTests {
    static func config(generation: Int, statusPort: Int, httpPort: Int, extra: String = "") -> String {
        """
        worker_processes 1;
        pid nginx.pid;
        error_log error.log warn;
        events { worker_connections 64; }
        http {
            access_log off;
            client_body_temp_path client_body_temp;
            proxy_temp_path proxy_temp;
            fastcgi_temp_path fastcgi_temp;
            uwsgi_temp_path uwsgi_temp;
            scgi_temp_path scgi_temp;
            server {
                listen 127.0.0.1:\(statusPort);
                location = /portico/generation { return 200 "\(generation)"; }
            }
            server {
                listen 127.0.0.1:\(httpPort);
                location / { return 200 "gen \(generation)"; }
                \(extra)
            }
        }

        """
    }

    @Test(arguments: NginxApplier.Validation.allCases)
    func startReloadAndRefuseABadConfig(validation: NginxApplier.Validation) throws {
        let dir = try TemporaryDirectory("portico-nginx")
        let statusPort = try Ports.free(), httpPort = try Ports.free()
        let applier = NginxApplier(
            nginx: NginxProcess(runtimeDirectory: dir.path), statusPort: statusPort, confirmTimeout: 5,
            validation: validation)
        defer { applier.nginx.stop(grace: 2) }

        try applier.start(config: Self.config(generation: 1, statusPort: statusPort, httpPort: httpPort), generation: 1)
        #expect(applier.liveGeneration == 1)
        #expect(StatusProbe.generation(port: statusPort) == 1)

        try applier.apply(config: Self.config(generation: 2, statusPort: statusPort, httpPort: httpPort), generation: 2)
        #expect(StatusProbe.generation(port: statusPort) == 2)

        let good = try String(contentsOfFile: applier.nginx.configPath, encoding: .utf8)
        #expect {
            try applier.apply(
                config: Self.config(generation: 3, statusPort: statusPort, httpPort: httpPort, extra: "bogus_directive on;"),
                generation: 3)
        } throws: { error in
            guard let e = error as? NginxError else { return false }
            return e.code == .invalidConfig && e.nginxOutput.contains("unknown directive \"bogus_directive\"")
        }
        #expect(StatusProbe.generation(port: statusPort) == 2)
        #expect(applier.liveGeneration == 2)
        #expect(try String(contentsOfFile: applier.nginx.configPath, encoding: .utf8) == good)
        if validation == .reload {
            // The refused file stays beside the good one for the operator to read.
            let refused = try String(contentsOfFile: applier.nginx.configPath + ".refused", encoding: .utf8)
            #expect(refused.contains("bogus_directive on;"))
        }
        // A config that nginx accepts after the refusal serves.
        try applier.apply(config: Self.config(generation: 4, statusPort: statusPort, httpPort: httpPort), generation: 4)
        // Confirmed means no worker of an older generation takes a connection any more.
        let answers = (0..<30).map { _ in StatusProbe.generation(port: statusPort) }
        #expect(answers.allSatisfy { $0 == 4 }, "\(answers)")
        #expect(try HTTPProbe.get("/", host: "x", port: httpPort).text == "gen 4")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers == [])
    }

    @Test func aFirstConfigNginxRefusesFailsFastWithNginxsMessage() throws {
        let dir = try TemporaryDirectory("portico-nginx")
        let statusPort = try Ports.free(), httpPort = try Ports.free()
        let applier = NginxApplier(
            nginx: NginxProcess(runtimeDirectory: dir.path), statusPort: statusPort, confirmTimeout: 30)
        let started = Date()
        #expect {
            try applier.start(
                config: Self.config(generation: 1, statusPort: statusPort, httpPort: httpPort, extra: "bogus on;"),
                generation: 1)
        } throws: { error in
            guard let e = error as? NginxError else { return false }
            return e.code == .startFailed && e.nginxOutput.contains("unknown directive \"bogus\"")
        }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(!applier.nginx.isRunning)
    }

    /// nginx runs with this process's environment plus the malloc setting that keeps its master from
    /// holding two configs' memory after reloads; the rest of the environment is passed on as is.
    @Test func nginxGetsTheEnvironmentAndTheMallocSetting() throws {
        // nginx writes its process title over its environment block, so a stand-in prints it.
        let dir = try TemporaryDirectory("portico-nginx")
        let script = try dir.write("nginx", "#!/bin/sh\nenv > \(dir.path)/env.txt.tmp && mv \(dir.path)/env.txt.tmp \(dir.path)/env.txt\n")
        chmod(script.path, 0o755)
        let nginx = NginxProcess(executable: script.path, runtimeDirectory: dir.path)
        try nginx.start()
        let file = dir.file("env.txt")
        try eventuallyBlocking(timeout: .seconds(10), "the stand-in never wrote its environment") {
            FileManager.default.fileExists(atPath: file.path)
        }
        let environment = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(environment.contains("MALLOC_MMAP_THRESHOLD_=16385"))
        if let path = ProcessInfo.processInfo.environment["PATH"] { #expect(environment.contains("PATH=\(path)")) }
        nginx.stop(grace: 5)
    }

    @Test func gracefulStopEndsTheProcess() throws {
        let dir = try TemporaryDirectory("portico-nginx")
        let statusPort = try Ports.free(), httpPort = try Ports.free()
        let applier = NginxApplier(nginx: NginxProcess(runtimeDirectory: dir.path), statusPort: statusPort)
        try applier.start(config: Self.config(generation: 7, statusPort: statusPort, httpPort: httpPort), generation: 7)
        #expect(applier.nginx.isRunning)
        applier.nginx.stop(grace: 5)
        #expect(!applier.nginx.isRunning)
        #expect(!Ports.isListening(httpPort))
    }

    @Test func missingExecutableIsAClearError() throws {
        let dir = try TemporaryDirectory("portico-nginx")
        let applier = NginxApplier(
            nginx: NginxProcess(executable: "/nonexistent/nginx", runtimeDirectory: dir.path), statusPort: 1)
        #expect {
            try applier.start(config: "events {}\n", generation: 1)
        } throws: { error in
            (error as? NginxError)?.code == .notFound
                && "\(error)".contains("/nonexistent/nginx is not an executable file; install nginx or pass --nginx PATH")
        }
    }

    @Test func atomicWriteLeavesOldOrNewNeverAMix() throws {
        let dir = try TemporaryDirectory("portico-write")
        let path = dir.file("f.conf").path
        try ConfigFile.writeAtomically("old\n", to: path)
        try ConfigFile.writeAtomically(String(repeating: "new\n", count: 100_000), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8).count == 400_000)
        #expect {
            try ConfigFile.writeAtomically("x", to: "/nonexistent-dir/f.conf")
        } throws: { error in
            (error as? NginxError)?.code == .writeFailed && "\(error)".contains("No such file or directory")
        }
    }
}

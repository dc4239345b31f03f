import Foundation
import Testing
import TestSupport

/// Proves the fake API server (`Tests/Support/apiserver`) faithful enough to stand in for a real
/// one: the real `kubectl` drives it over TLS with a kubeconfig (CA file + token), and `curl`
/// checks the wire details. Each test starts its own server and stops it.
@Suite("Test API server fidelity (kubectl, curl)", .serialized)
struct TestAPIServerFidelityTests {
    // MARK: kubectl apply / get / watch / delete

    @Test func applyCreatesIngressAndServiceThatGetShows() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)

        let applied = try kubectl.run(["apply", "-f", "-"], input: Self.manifest(host: "web.example.com"))
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("ingress.networking.k8s.io/web created"))
        #expect(applied.stdout.contains("service/web created"))

        let ingresses = try kubectl.json(["get", "ing", "-o", "json"])
        let items = ingresses["items"] as? [[String: Any]] ?? []
        #expect(items.map { name(of: $0) } == ["web"])
        #expect(host(of: items.first) == "web.example.com")
        #expect(metadata(of: items.first)["generation"] as? Int == 1)

        // Human output comes from the server's Table, with the real columns.
        let table = try kubectl.run(["get", "ing"])
        let header = table.stdout.split(separator: "\n").first.map {
            $0.split(separator: " ").map(String.init)
        }
        #expect(header == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"])
        #expect(table.stdout.contains("web.example.com"))

        let service = try kubectl.json(["get", "svc", "web", "-o", "json"])
        let ports = (service["spec"] as? [String: Any])?["ports"] as? [[String: Any]] ?? []
        #expect(ports.first?["targetPort"] as? Int == 8080)
        #expect(ports.first?["protocol"] as? String == "TCP")

        let state = try await server.state()
        let resources = state["resources"] as? [String: Any] ?? [:]
        #expect((resources["ingresses.networking.k8s.io"] as? [Any])?.count == 1)
        #expect((resources["services"] as? [Any])?.count == 1)
    }

    /// ConfigMaps (tcp-services) as kubectl sees them: created, listed with their DATA count, and a
    /// key that is no config key refused as the real server refuses it.
    @Test func configMapsApplyListAndRefuseBadKeys() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: tcp-services, namespace: default}
            data: {"2222": "default/git:ssh", "5432": "default/db:5432"}
            """
        let applied = try kubectl.run(["apply", "-f", "-"], input: manifest)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("configmap/tcp-services created"))
        let table = try kubectl.run(["get", "cm"])
        let rows = table.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["NAME", "DATA", "AGE"])
        #expect(rows.dropFirst().first?.prefix(2) == ["tcp-services", "2"])
        let object = try kubectl.json(["get", "configmap", "tcp-services", "-o", "json"])
        #expect(object["data"] as? [String: String] == ["2222": "default/git:ssh", "5432": "default/db:5432"])

        let refused = try kubectl.run(["apply", "-f", "-"], input: manifest.replacingOccurrences(of: "\"5432\":", with: "\"80;\":"))
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(#"ConfigMap "tcp-services" is invalid: data[80;]: Invalid value: "80;": a valid config key"#), "\(refused.stderr)")
    }

    @Test func reapplyWithChangeIsModifiedAndBumpsGeneration() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let first = try kubectl.run(["apply", "-f", "-"], input: Self.manifest(host: "web.example.com"))
        #expect(first.status == 0, "\(first.stderr)")

        let watch = try kubectl.start(["get", "ing", "-w", "--output-watch-events", "-o", "json"])
        defer { watch.stop() }
        try await server.waitForWatches(1)

        let second = try kubectl.run(
            ["apply", "-f", "-"], input: Self.manifest(host: "www.example.com", targetPort: 9090))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("ingress.networking.k8s.io/web configured"))
        #expect(second.stdout.contains("service/web configured"))

        let ingress = try kubectl.json(["get", "ing", "web", "-o", "json"])
        #expect(metadata(of: ingress)["generation"] as? Int == 2)
        #expect(host(of: ingress) == "www.example.com")
        // kubectl's strategic merge patch of the port list merges by port: one port, defaults kept.
        let service = try kubectl.json(["get", "svc", "web", "-o", "json"])
        let ports = (service["spec"] as? [String: Any])?["ports"] as? [[String: Any]] ?? []
        #expect(ports.count == 1)
        #expect(ports.first?["targetPort"] as? Int == 9090)
        #expect(ports.first?["protocol"] as? String == "TCP")

        let types = try await eventTypes(of: watch, until: { $0.contains("MODIFIED") })
        #expect(types == ["ADDED", "MODIFIED"])
        #expect(watch.stdout.contains("www.example.com"))
    }

    @Test func watchSeesAddedModifiedDeletedMadeThroughTheAdminAPI() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let watch = try kubectl.start(["get", "ing", "-w", "--output-watch-events", "-o", "json"])
        defer { watch.stop() }
        try await server.waitForWatches(1)

        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        let item = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default", name: "live")
        try await server.create(collection, Self.ingress(name: "live", host: "a.example.com"))
        try await server.patch(item, ["spec": ["rules": [["host": "b.example.com"]]]])
        try await server.delete(item)

        let types = try await eventTypes(of: watch, until: { $0.contains("DELETED") })
        #expect(types == ["ADDED", "MODIFIED", "DELETED"])
        #expect(watch.stdout.contains("b.example.com"))
    }

    @Test func deleteRemovesTheObject() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let applied = try kubectl.run(["apply", "-f", "-"], input: Self.manifest(host: "web.example.com"))
        #expect(applied.status == 0, "\(applied.stderr)")

        let deleted = try kubectl.run(["delete", "ing", "web"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains(#"ingress.networking.k8s.io "web" deleted"#))

        let get = try kubectl.run(["get", "ing", "web"])
        #expect(get.status != 0)
        #expect(
            get.stderr.contains(#"Error from server (NotFound): ingresses.networking.k8s.io "web" not found"#)
        )
        let raw = try await server.send(
            "GET", TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default", name: "web"))
        #expect(raw.status == 404)
        let service = try kubectl.run(["get", "svc", "web", "-o", "name"])
        #expect(service.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "service/web")
    }

    @Test func createAndPatchWithKubectl() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let created = try kubectl.run(
            ["create", "-f", "-"],
            input: """
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: portico}
                spec: {controller: example.com/portico}
                """)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("ingressclass.networking.k8s.io/portico created"))
        let again = try kubectl.run(["create", "-f", "-"], input: Self.manifest(host: "web.example.com"))
        #expect(again.status == 0, "\(again.stderr)")
        let duplicate = try kubectl.run(["create", "-f", "-"], input: Self.manifest(host: "web.example.com"))
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains(#"ingresses.networking.k8s.io "web" already exists"#))

        let merge = try kubectl.run(
            ["patch", "ing", "web", "--type", "merge", "-p", #"{"metadata":{"labels":{"tier":"edge"}}}"#])
        #expect(merge.status == 0, "\(merge.stderr)")
        let json = try kubectl.run(
            [
                "patch", "ing", "web", "--type", "json", "-p",
                #"[{"op":"replace","path":"/spec/rules/0/host","value":"j.example.com"}]"#,
            ])
        #expect(json.status == 0, "\(json.stderr)")
        let strategic = try kubectl.run(
            ["patch", "svc", "web", "-p", #"{"spec":{"ports":[{"port":80,"targetPort":7070}]}}"#])
        #expect(strategic.status == 0, "\(strategic.stderr)")

        let labelled = try kubectl.run(["get", "ing", "-l", "tier=edge", "-o", "name"])
        #expect(
            labelled.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ingress.networking.k8s.io/web"
        )
        let unlabelled = try kubectl.run(["get", "ing", "-l", "tier!=edge", "-o", "name"])
        #expect(unlabelled.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let ingress = try kubectl.json(["get", "ing", "web", "-o", "json"])
        #expect(host(of: ingress) == "j.example.com")
        let service = try kubectl.json(["get", "svc", "web", "-o", "json"])
        let ports = (service["spec"] as? [String: Any])?["ports"] as? [[String: Any]] ?? []
        #expect(ports.count == 1)
        #expect(ports.first?["targetPort"] as? Int == 7070)
        #expect(ports.first?["name"] as? String == "http")
    }

    // MARK: Paging

    @Test func chunkedGetReturnsEveryObjectAcrossPages() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        for index in 1...5 {
            try await server.create(
                collection, Self.ingress(name: "ing-\(index)", host: "h\(index).example.com"))
        }

        let listed = try kubectl.run(["get", "ing", "--chunk-size=2", "-o", "name"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let names = listed.stdout.split(separator: "\n").map(String.init)
        #expect(names == (1...5).map { "ingress.networking.k8s.io/ing-\($0)" })

        let lists = try await server.requests().filter {
            ($0["path"] as? String) == collection && ($0["verb"] as? String) == "list"
                && ($0["listener"] as? String) == "secure"
        }
        let queries = lists.compactMap { $0["query"] as? String }
        #expect(queries.count == 3)
        #expect(queries.allSatisfy { $0.contains("limit=2") })
        #expect(queries.filter { $0.contains("continue=") }.count == 2)
    }

    @Test func pagesOfALargeStoreAreFastAndConsistent() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        for batch in 0..<10 {
            let ingresses = (0..<1000).map {
                Self.ingress(name: "ing-\(batch * 1000 + $0)", host: "h\($0).example.com")
            }
            let services = (0..<1000).map { Self.service(name: "svc-\(batch * 1000 + $0)") }
            try await server.bulkCreate(ingresses)
            try await server.bulkCreate(services)
        }

        var names = Set<String>()
        var continueToken: String?
        var firstVersion: String?
        var pages = 0
        repeat {
            var path = TestAPIServer.path("networking.k8s.io/v1", "ingresses") + "?limit=500"
            if let continueToken {
                path +=
                    "&continue="
                    + (continueToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            let started = Date()
            let page = try await server.get(path)
            #expect(Date().timeIntervalSince(started) < 1, "page \(pages) took too long")
            let meta = page["metadata"] as? [String: Any] ?? [:]
            let items = page["items"] as? [[String: Any]] ?? []
            #expect(items.count <= 500)
            names.formUnion(items.map { name(of: $0) })
            if pages == 0 {
                firstVersion = meta["resourceVersion"] as? String
                // A write after the first page must not show up in the later pages.
                try await server.create(
                    TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default"),
                    Self.ingress(name: "zzz-late", host: "late.example.com"))
            } else {
                #expect(meta["resourceVersion"] as? String == firstVersion)
            }
            continueToken = meta["continue"] as? String
            pages += 1
        } while continueToken != nil && pages < 100
        #expect(pages == 20)
        #expect(names.count == 10_000)
        #expect(!names.contains("zzz-late"))
        let fresh = try await server.get(TestAPIServer.path("networking.k8s.io/v1", "ingresses") + "?limit=1")
        #expect((fresh["metadata"] as? [String: Any])?["remainingItemCount"] as? Int == 10_000)
    }

    @Test func serverListensOnBothPortsAndExitsCleanlyOnSIGTERM() async throws {
        let server = try TestAPIServer()
        #expect(server.port != server.adminPort)
        #expect(Ports.isListening(server.port))
        #expect(Ports.isListening(server.adminPort))
        let version = try Curl(server).run("GET", "/version")
        #expect(version.status == 200)
        #expect(version.json["major"] as? String == "1")
        server.stop()
        #expect(!server.process.isRunning)
        #expect(server.process.process.terminationReason == .exit)
        #expect(server.process.process.terminationStatus == 0)
        #expect(!Ports.isListening(server.port))
    }

    // MARK: Authentication and authorization

    @Test func wrongTokenIsUnauthorized() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server, token: "not-a-token")
        let result = try kubectl.run(["get", "ing"])
        #expect(result.status != 0)
        // What kubectl says when discovery gets a 401, as against a real cluster.
        #expect(result.stderr.contains("error: You must be logged in to the server ("))
        #expect(!result.stderr.contains("Forbidden"))

        let raw = try Curl(server, token: "not-a-token").run("GET", "/apis/networking.k8s.io/v1/ingresses")
        #expect(raw.status == 401)
        #expect(raw.json["kind"] as? String == "Status")
        #expect(raw.json["apiVersion"] as? String == "v1")
        #expect(raw.json["status"] as? String == "Failure")
        #expect(raw.json["reason"] as? String == "Unauthorized")
        #expect(raw.json["code"] as? Int == 401)
        let good = try Curl(server).run("GET", "/apis/networking.k8s.io/v1/ingresses")
        #expect(good.status == 200)
    }

    @Test func rotatedTokenFileIsReadOnEveryRequest() async throws {
        let files = try TemporaryDirectory("portico-token")
        let tokenFile = try files.write("token", "first-token\n")
        var options = TestAPIServer.Options()
        options.tokenFiles = ["rotating-user": tokenFile]
        let server = try TestAPIServer(options)
        defer { server.stop() }
        let path = "/api/v1/namespaces/default/services"
        #expect(try Curl(server, token: "first-token").run("GET", path).status == 200)
        try files.write("token", "second-token\n")
        #expect(try Curl(server, token: "first-token").run("GET", path).status == 401)
        #expect(try Curl(server, token: "second-token").run("GET", path).status == 200)
    }

    @Test func forbiddenUserSeesTheRealForbiddenMessage() async throws {
        var options = TestAPIServer.Options()
        options.forbid = [TestAPIServer.defaultUser: ["list:ingresses", "get:secrets"]]
        let server = try TestAPIServer(options)
        defer { server.stop() }
        let kubectl = try Kubectl(server)

        let all = try kubectl.run(["get", "ing", "-A"])
        #expect(all.status != 0)
        #expect(
            all.stderr.contains(
                #"Error from server (Forbidden): ingresses.networking.k8s.io is forbidden: User "system:serviceaccount:ingress:portico" cannot list resource "ingresses" in API group "networking.k8s.io" at the cluster scope"#
            ))
        let secret = try kubectl.run(["get", "secret", "tls"])
        #expect(
            secret.stderr.contains(
                #"secrets "tls" is forbidden: User "system:serviceaccount:ingress:portico" cannot get resource "secrets" in API group "" in the namespace "default""#
            ))
        let services = try kubectl.run(["get", "svc"])
        #expect(services.status == 0, "\(services.stderr)")
    }

    @Test func clientCertificateAuthenticatesItsCommonName() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server, clientCertificate: true)
        let result = try kubectl.run(["get", "ing"])
        #expect(result.status == 0, "\(result.stderr)")
        let users = try await server.requests().compactMap { $0["user"] as? String }
        #expect(users.contains("portico-test-client"))
        #expect(!users.contains(TestAPIServer.defaultUser))
    }

    // MARK: Watch expiry

    @Test func watchFromACompactedResourceVersionGetsExpired() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let kubectl = try Kubectl(server)
        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        try await server.create(collection, Self.ingress(name: "one", host: "one.example.com"))
        try await server.create(collection, Self.ingress(name: "two", host: "two.example.com"))

        let before = try kubectl.run(
            [
                "get", "--raw",
                "/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=1&timeoutSeconds=1",
            ])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(before.stdout.components(separatedBy: #""type":"ADDED""#).count == 3)
        #expect(!before.stdout.contains("ERROR"))

        try await server.compact()
        let after = try kubectl.run(
            ["get", "--raw", "/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=1"])
        #expect(after.status == 0, "\(after.stderr)")
        let event = try jsonObject(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(event["type"] as? String == "ERROR")
        let status = event["object"] as? [String: Any] ?? [:]
        #expect(status["kind"] as? String == "Status")
        #expect(status["code"] as? Int == 410)
        #expect(status["reason"] as? String == "Expired")
    }

    // MARK: Raw semantics with curl

    @Test func statusSubresourceIsSeparateFromTheMainResource() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let curl = try Curl(server)
        let item = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default", name: "web")
        var object = Self.ingress(name: "web", host: "web.example.com")
        object["status"] = ["loadBalancer": ["ingress": [["ip": "192.0.2.1"]]]]
        let created = try curl.run(
            "POST", TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default"), object)
        #expect(created.status == 201)
        #expect(lbIP(created.json) == nil, "create clears status")

        // The main resource ignores status changes but takes spec changes.
        var main = created.json
        main["status"] = ["loadBalancer": ["ingress": [["ip": "192.0.2.2"]]]]
        main["spec"] = ["rules": [["host": "main.example.com"]]]
        let updated = try curl.run("PUT", item, main)
        #expect(updated.status == 200)
        #expect(lbIP(updated.json) == nil)
        #expect(host(of: updated.json) == "main.example.com")
        #expect(metadata(of: updated.json)["generation"] as? Int == 2)

        // /status takes status changes and ignores spec changes; generation stays.
        var status = updated.json
        status["status"] = ["loadBalancer": ["ingress": [["ip": "192.0.2.3"]]]]
        status["spec"] = ["rules": [["host": "ignored.example.com"]]]
        let statusUpdated = try curl.run("PUT", item + "/status", status)
        #expect(statusUpdated.status == 200)
        #expect(lbIP(statusUpdated.json) == "192.0.2.3")
        #expect(host(of: statusUpdated.json) == "main.example.com")
        #expect(metadata(of: statusUpdated.json)["generation"] as? Int == 2)

        let patched = try curl.run(
            "PATCH", item + "/status", ["status": ["loadBalancer": ["ingress": [["ip": "192.0.2.4"]]]]],
            contentType: "application/merge-patch+json")
        #expect(patched.status == 200)
        #expect(lbIP(patched.json) == "192.0.2.4")
        let fetched = try curl.run("GET", item)
        #expect(lbIP(fetched.json) == "192.0.2.4")
        #expect(host(of: fetched.json) == "main.example.com")
    }

    @Test func staleResourceVersionConflictsAndBadInputIsRejected() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let curl = try Curl(server)
        let collection = TestAPIServer.path("v1", "services", namespace: "default")
        let item = TestAPIServer.path("v1", "services", namespace: "default", name: "web")
        let created = try curl.run("POST", collection, Self.service(name: "web"))
        #expect(created.status == 201)
        let staleVersion = metadata(of: created.json)["resourceVersion"] as? String
        try await server.patch(item, ["metadata": ["labels": ["changed": "yes"]]])

        var stale = created.json
        stale["metadata"] = metadata(of: created.json).merging(["labels": ["by": "curl"]]) { $1 }
        let conflict = try curl.run("PUT", item, stale)
        #expect(conflict.status == 409)
        #expect(conflict.json["reason"] as? String == "Conflict")
        #expect(
            conflict.json["message"] as? String
                == #"Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes to the latest version and try again"#
        )
        #expect(staleVersion != nil)

        let current = try curl.run("GET", item)
        var fresh = current.json
        fresh["metadata"] = metadata(of: current.json).merging(["labels": ["by": "curl"]]) { $1 }
        let accepted = try curl.run("PUT", item, fresh)
        #expect(accepted.status == 200)
        #expect(
            Int(metadata(of: accepted.json)["resourceVersion"] as? String ?? "") ?? 0
                > Int(metadata(of: current.json)["resourceVersion"] as? String ?? "") ?? 0)

        let duplicate = try curl.run("POST", collection, Self.service(name: "web"))
        #expect(duplicate.status == 409)
        #expect(duplicate.json["reason"] as? String == "AlreadyExists")
        let nameless = try curl.run(
            "POST", collection, ["apiVersion": "v1", "kind": "Service", "metadata": [:]])
        #expect(nameless.status == 422)
        #expect(nameless.json["reason"] as? String == "Invalid")
        let missing = try curl.run(
            "GET", TestAPIServer.path("v1", "services", namespace: "default", name: "nope"))
        #expect(missing.status == 404)
        #expect(missing.json["message"] as? String == #"services "nope" not found"#)
    }

    @Test func injectedFaultsReachTheClientAndReset() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let curl = try Curl(server)
        let path = TestAPIServer.path("networking.k8s.io/v1", "ingresses")
        try await server.failNextRequests(
            1, status: 429, pathContaining: "ingresses", verb: "list", retryAfter: 2)
        let limited = try curl.run("GET", path, includeHeaders: true)
        #expect(limited.status == 429)
        #expect(limited.headers.lowercased().contains("retry-after: 2"))
        #expect(limited.json["reason"] as? String == "TooManyRequests")
        #expect(try curl.run("GET", path).status == 200)

        try await server.failNextRequests(5, status: 503)
        try await server.setLatency(seconds: 0.5)
        let started = Date()
        #expect(try curl.run("GET", path).status == 503)
        #expect(Date().timeIntervalSince(started) >= 0.5)
        try await server.resetFaults()
        let afterReset = Date()
        #expect(try curl.run("GET", path).status == 200)
        #expect(Date().timeIntervalSince(afterReset) < 0.5)
    }

    @Test func watchReplaysSelectorTransitionsThenBookmarksAndEndsOnTimeout() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        let item = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default", name: "a")
        var object = Self.ingress(name: "a", host: "a.example.com")
        object["metadata"] = ["name": "a", "labels": ["tier": "edge"]]
        let created = try await server.create(collection, object)
        let since = metadata(of: created)["resourceVersion"] as? String ?? ""
        try await server.patch(item, ["metadata": ["labels": ["tier": "core"]]])
        let last = try await server.patch(item, ["metadata": ["labels": ["tier": "edge"]]])
        let lastVersion = metadata(of: last)["resourceVersion"] as? String

        let result = try runCommand(
            "curl",
            [
                "--silent", "--show-error", "--max-time", "10", "--cacert", server.caFile.path,
                "-H", "Authorization: Bearer \(server.token)",
                server.url.absoluteString + collection
                    + "?watch=true&labelSelector=tier%3Dedge&allowWatchBookmarks=true&timeoutSeconds=2"
                    + "&resourceVersion=\(since)",
            ],
            timeout: 20)
        #expect(result.status == 0, "the stream ends cleanly on timeoutSeconds: \(result.stderr)")
        let events = try result.stdout.split(separator: "\n").map { try jsonObject(String($0)) }
        let types = events.map { $0["type"] as? String ?? "" }
        // Leaving the selector is a DELETED, coming back an ADDED; then bookmarks at the newest version.
        #expect(Array(types.prefix(2)) == ["DELETED", "ADDED"])
        #expect(types.count >= 3)
        #expect(types.dropFirst(2).allSatisfy { $0 == "BOOKMARK" })
        let bookmark = events.last?["object"] as? [String: Any]
        #expect(metadata(of: bookmark)["resourceVersion"] as? String == lastVersion)
    }

    @Test func watchThatOverflowsItsQueueIsClosed() async throws {
        var options = TestAPIServer.Options()
        options.extraArguments = ["--watch-queue-size", "5"]
        let server = try TestAPIServer(options)
        defer { server.stop() }
        let curl = try Curl(server)
        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        let item = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default", name: "busy")
        try await server.create(collection, Self.ingress(name: "busy", host: "busy.example.com"))
        let version = try await server.state()["resourceVersion"] as? String ?? "0"
        let watch = try curl.start(collection + "?watch=true&resourceVersion=\(version)")
        defer { watch.stop() }
        try await server.waitForWatches(1)
        try await server.stallWatches(seconds: 2)
        for index in 0..<10 {
            try await server.patch(item, ["metadata": ["labels": ["n": "\(index)"]]])
        }
        let status = watch.wait(timeout: 10)
        #expect(status != nil && status != 0, "curl sees the stream cut, not a clean end")
        #expect(watch.stdout.isEmpty, "nothing was written before the overflow")
        #expect(try await server.openWatchCount() == 0)
    }

    @Test func cutMidEventLeavesAHalfLineOnTheWire() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let curl = try Curl(server)
        let collection = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
        try await server.create(collection, Self.ingress(name: "before", host: "before.example.com"))
        let state = try await server.state()
        let version = state["resourceVersion"] as? String ?? "0"
        let watch = try curl.start(collection + "?watch=true&resourceVersion=\(version)")
        defer { watch.stop() }
        try await server.waitForWatches(1)
        try await server.stallWatches(seconds: 5)
        try await server.create(collection, Self.ingress(name: "queued", host: "queued.example.com"))
        try await server.cutWatches(.midEvent)
        let status = watch.wait(timeout: 10)
        #expect(status != nil, "curl still running after the cut")
        let output = watch.stdout
        #expect(output.hasPrefix(#"{"type":"ADDED","object":{"#))
        #expect(!output.contains("\n"), "only half a line, no newline: \(output)")
        #expect(try await server.openWatchCount() == 0)
    }
}

// MARK: - Fixtures

extension TestAPIServerFidelityTests {
    static func manifest(host: String, targetPort: Int = 8080) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          labels: {app: web}
        spec:
          ingressClassName: portico
          rules:
          - host: \(host)
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service: {name: web, port: {number: 80}}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector: {app: web}
          ports:
          - name: http
            port: 80
            targetPort: \(targetPort)
        """
    }

    static func ingress(name: String, host: String) -> [String: Any] {
        [
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": ["name": name, "namespace": "default"],
            "spec": ["rules": [["host": host]]],
        ]
    }

    static func service(name: String) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": "default"],
            "spec": ["ports": [["port": 80]]],
        ]
    }
}

private func metadata(of object: [String: Any]?) -> [String: Any] {
    object?["metadata"] as? [String: Any] ?? [:]
}

private func name(of object: [String: Any]) -> String {
    metadata(of: object)["name"] as? String ?? ""
}

private func host(of object: [String: Any]?) -> String? {
    let rules = (object?["spec"] as? [String: Any])?["rules"] as? [[String: Any]]
    return rules?.first?["host"] as? String
}

private func lbIP(_ object: [String: Any]) -> String? {
    let loadBalancer = (object["status"] as? [String: Any])?["loadBalancer"] as? [String: Any]
    return (loadBalancer?["ingress"] as? [[String: Any]])?.first?["ip"] as? String
}

private func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw TestSupportError("not a JSON object: \(text.prefix(200))")
    }
    return object
}

/// The event types kubectl printed (`-o json --output-watch-events`), once `done` holds for them.
private func eventTypes(of watch: ChildProcess, until done: ([String]) -> Bool) async throws -> [String] {
    var types: [String] = []
    try await eventually(poll: .milliseconds(50), "kubectl's watch printed the events; so far \(types)") {
        types = watch.stdout.matches(of: /"type":\s*"(ADDED|MODIFIED|DELETED|BOOKMARK|ERROR)"/).map {
            String($0.output.1)
        }
        return done(types)
    }
    return types
}

// MARK: - kubectl and curl against the server

/// kubectl with a kubeconfig for the server, its own cache directory and a request timeout.
private struct Kubectl {
    let kubeconfig: URL
    let cacheDirectory: URL
    let logDirectory: URL

    init(_ server: TestAPIServer, token: String? = nil, clientCertificate: Bool = false) throws {
        kubeconfig = try server.writeKubeconfig(
            to: server.directory.file("kubeconfig-\(UUID().uuidString.prefix(6))"), token: token,
            clientCertificate: clientCertificate)
        cacheDirectory = server.directory.file("kube-cache")
        logDirectory = server.directory.url
    }

    private var common: [String] {
        ["--kubeconfig", kubeconfig.path, "--cache-dir", cacheDirectory.path, "--request-timeout", "10s"]
    }

    func run(_ arguments: [String], input: String? = nil) throws -> CommandResult {
        try runCommand("kubectl", common + arguments, input: input.map { Data($0.utf8) }, timeout: 30)
    }

    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw TestSupportError("kubectl \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return try jsonObject(result.stdout)
    }

    /// A long-running kubectl (a watch); the caller stops it.
    func start(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess("kubectl", common + arguments, logDirectory: logDirectory)
    }
}

/// curl over TLS with the server's CA and a bearer token.
private struct Curl {
    let server: TestAPIServer
    let token: String

    init(_ server: TestAPIServer, token: String? = nil) throws {
        self.server = server
        self.token = token ?? server.token
    }

    struct Response {
        var status: Int
        var headers: String
        var json: [String: Any]
    }

    private var common: [String] {
        [
            "--silent", "--show-error", "--max-time", "20", "--cacert", server.caFile.path,
            "-H", "Authorization: Bearer \(token)",
        ]
    }

    func run(
        _ method: String, _ path: String, _ body: [String: Any]? = nil,
        contentType: String = "application/json", includeHeaders: Bool = false
    ) throws -> Response {
        var arguments = common + ["-X", method, "--write-out", "\n%{http_code}"]
        if includeHeaders { arguments += ["--dump-header", "-"] }
        var input: Data?
        if let body {
            input = try JSONSerialization.data(withJSONObject: body)
            arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"]
        }
        let result = try runCommand(
            "curl", arguments + [server.url.absoluteString + path], input: input, timeout: 30)
        guard result.status == 0 else { throw TestSupportError("curl \(method) \(path): \(result.stderr)") }
        var text = result.stdout
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...])
        else {
            throw TestSupportError("curl \(method) \(path): no status in \(text)")
        }
        text = String(text[..<newline])
        var headers = ""
        if includeHeaders, let end = text.range(of: "\r\n\r\n") {
            headers = String(text[..<end.lowerBound])
            text = String(text[end.upperBound...])
        }
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return Response(status: status, headers: headers, json: json)
    }

    /// A streaming GET (`--no-buffer`); the caller stops it.
    func start(_ path: String) throws -> ChildProcess {
        try ChildProcess(
            "curl", common + ["--no-buffer", server.url.absoluteString + path],
            logDirectory: server.directory.url)
    }
}

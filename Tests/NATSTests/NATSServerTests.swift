// Tests of the nats-server launcher itself (MeridianTesting.NATSServer / NATSCluster).
// Plain HTTP and raw NATS protocol over loopback: no Swift client involved.

import Foundation
import Glibc
import NATSServerLauncher
import Testing

/// Creates a stream over raw protocol and returns the JetStream API reply.
private func createStream(port: Int, name: String, subjects: String, replicas: Int = 1, retention: String = "limits") -> String {
    let config = #"{"name":"\#(name)","subjects":["\#(subjects)"],"retention":"\#(retention)","num_replicas":\#(replicas),"storage":"file"}"#
    let commands = "SUB _INBOX.create 1\r\nPUB $JS.API.STREAM.CREATE.\(name) _INBOX.create \(config.utf8.count)\r\n\(config)\r\n"
    return LoopbackProbe.natsExchange(port: port, commands: commands, until: "\"did_create\":true", timeout: .seconds(10))
}

/// Publishes `count` messages to `subject`, each with a message id (`<subject>-<n>`), each
/// retried until JetStream acknowledges it (a stream leader may still be being elected).
/// Returns how many were acknowledged.
private func publishAcked(port: Int, subject: String, count: Int, timeout: Duration = .seconds(20)) async throws -> Int {
    let deadline = ContinuousClock.now + timeout
    var acknowledged = 0
    for index in 1...count {
        let headers = "NATS/1.0\r\nNats-Msg-Id: \(subject)-\(index)\r\n\r\n"
        let payload = "m\(index)"
        let total = headers.utf8.count + payload.utf8.count
        let commands = "SUB _INBOX.ack 1\r\nHPUB \(subject) _INBOX.ack \(headers.utf8.count) \(total)\r\n\(headers)\(payload)\r\n"
        while ContinuousClock.now < deadline {
            let reply = LoopbackProbe.natsExchange(port: port, commands: commands, until: "\"seq\":", timeout: .seconds(1))
            if reply.contains("\"seq\":") {
                acknowledged += 1
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
    return acknowledged
}

/// The message count of `stream` reported by /jsz on `server`, nil if the stream is not listed.
private func storedMessages(_ server: NATSServer, stream: String) -> Int? {
    guard let jsz = server.monitorJSON("/jsz?accounts=true&streams=true"),
        let accounts = jsz["account_details"] as? [[String: Any]]
    else { return nil }
    for account in accounts {
        for detail in account["stream_detail"] as? [[String: Any]] ?? [] where detail["name"] as? String == stream {
            return (detail["state"] as? [String: Any])?["messages"] as? Int
        }
    }
    return nil
}

/// Whether a process with this pid exists (a zombie counts as existing).
private func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0
}

@Suite("nats-server launcher")
struct NATSServerTests {
    @Test("starts on loopback, answers on client and monitoring ports, cleans up on shutdown")
    func startsAndAnswers() async throws {
        let server = try await NATSServer.start(.init(serverName: "launcher-basic"))
        let pid = try #require(server.pid)
        #expect(server.port > 0)
        #expect(server.url == "nats://127.0.0.1:\(server.port)")
        #expect(server.serverName == "launcher-basic")

        // The pid is nats-server's own (setpriv execs it), so stopping by pid stops the server.
        let comm = try String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)
        #expect(comm == "nats-server\n")

        let info = try #require(LoopbackProbe.natsInfo(port: server.port))
        #expect(info.hasPrefix("INFO {"))
        #expect(info.contains(#""server_name":"launcher-basic""#))
        #expect(info.contains(#""jetstream":true"#))

        #expect(server.monitor("/healthz")?.status == 200)
        let varz = try #require(server.monitorJSON("/varz"))
        #expect(varz["port"] as? Int == server.port)
        #expect(varz["host"] as? String == "127.0.0.1")
        let jsz = try #require(server.monitorJSON("/jsz"))
        let config = try #require(jsz["config"] as? [String: Any])
        #expect(config["store_dir"] as? String == server.storeDirectory + "/jetstream")

        let directory = server.directory
        #expect(FileManager.default.fileExists(atPath: directory))
        server.shutdown()
        #expect(server.pid == nil)
        #expect(!processExists(pid))
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(!LoopbackProbe.isListening(port: server.port))
    }

    @Test("SIGKILL then restart on the same port and store keeps acknowledged JetStream messages")
    func killAndRestartKeepsStore() async throws {
        let server = try await NATSServer.start()
        defer { server.shutdown() }
        let port = server.port
        let monitoringPort = server.monitoringPort
        let firstPid = try #require(server.pid)

        let created = createStream(port: port, name: "KEEP", subjects: "keep.>")
        #expect(created.contains(#""did_create":true"#))
        #expect(try await publishAcked(port: port, subject: "keep.a", count: 5) == 5)
        #expect(storedMessages(server, stream: "KEEP") == 5)

        await server.stop(.kill)
        #expect(server.pid == nil)
        #expect(!server.isRunning)
        #expect(!processExists(firstPid))
        #expect(!LoopbackProbe.isListening(port: port))

        try await server.restart()
        let secondPid = try #require(server.pid)
        #expect(secondPid != firstPid)
        #expect(server.port == port)
        #expect(server.monitoringPort == monitoringPort)
        #expect(LoopbackProbe.natsInfo(port: port)?.hasPrefix("INFO {") == true)
        #expect(storedMessages(server, stream: "KEEP") == 5)

        // A graceful stop and restart keeps it too.
        await server.stop(.terminate)
        #expect(!processExists(secondPid))
        try await server.restart()
        #expect(server.port == port)
        #expect(storedMessages(server, stream: "KEEP") == 5)
    }

    @Test("a restart whose port was taken meanwhile fails clearly instead of moving to another port")
    func restartOnTakenPort() async throws {
        let server = try await NATSServer.start()
        defer { server.shutdown() }
        let port = server.port
        await server.stop(.kill)

        // Occupy the client port with a listener of our own.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(fd, 1) == 0)

        do {
            try await server.restart(timeout: .seconds(10))
            Issue.record("restart succeeded on a taken port")
        } catch let error as NATSServerError {
            #expect(error.message.hasPrefix("nats-server \(server.serverName) exited during startup"))
            #expect(error.logTail.contains("address already in use"))
        }
        #expect(server.pid == nil)
        #expect(server.port == port)
    }

    @Test("a missing executable is a clear error")
    func missingExecutable() async throws {
        do {
            _ = try await NATSServer.start(.init(executable: "/nonexistent/nats-server"))
            Issue.record("start succeeded without an executable")
        } catch let error as NATSServerError {
            #expect(error.message == "cannot start /nonexistent/nats-server: No such file or directory")
        }
    }

    @Test("finds nats-server on PATH or in /usr/sbin")
    func findsExecutable() throws {
        let path = try NATSServer.findExecutable()
        #expect(path.hasSuffix("/nats-server"))
        #expect(FileManager.default.isExecutableFile(atPath: path))
    }

    @Test("a 3-node cluster forms, elects leaders, survives SIGKILL of a stream leader and restarts it")
    func clusterForms() async throws {
        let cluster = try await NATSCluster.start(name: "launcher")
        defer { cluster.shutdown() }
        #expect(cluster.nodes.map(\.serverName) == ["launcher-1", "launcher-2", "launcher-3"])
        #expect(Set(cluster.nodes.map(\.port)).count == 3)
        #expect(cluster.urls == cluster.nodes.map { "nats://127.0.0.1:\($0.port)" })

        let metaLeader = try #require(cluster.metaLeader())
        #expect(cluster.nodes.contains { $0.serverName == metaLeader })
        for node in cluster.nodes {
            let jsz = try #require(node.monitorJSON("/jsz"))
            let meta = try #require(jsz["meta_cluster"] as? [String: Any])
            #expect(meta["name"] as? String == "launcher")
            #expect(meta["cluster_size"] as? Int == 3)
            let routez = try #require(node.monitorJSON("/routez"))
            #expect(routez["num_routes"] as? Int == 2)
        }

        let created = createStream(port: cluster.nodes[0].port, name: "WQ", subjects: "wq.>", replicas: 3, retention: "workqueue")
        #expect(created.contains(#""did_create":true"#))
        let leader = try await cluster.streamLeader("WQ")
        #expect(try await publishAcked(port: cluster.nodes[1].port, subject: "wq.x", count: 3) == 3)

        let oldPid = try #require(leader.pid)
        await cluster.kill(leader)
        #expect(!processExists(oldPid))
        #expect(cluster.runningNodes.count == 2)

        let newLeader = try await cluster.streamLeader("WQ", timeout: .seconds(20))
        #expect(newLeader.serverName != leader.serverName)
        #expect(storedMessages(newLeader, stream: "WQ") == 3)

        try await cluster.restart(leader)
        #expect(cluster.runningNodes.count == 3)
        #expect(leader.pid != oldPid)
        // The restarted replica catches up with the 3 messages.
        let deadline = ContinuousClock.now + .seconds(20)
        while storedMessages(leader, stream: "WQ") != 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(storedMessages(leader, stream: "WQ") == 3)
    }
}

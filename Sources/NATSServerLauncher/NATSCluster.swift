import Foundation

/// A 3-node (by default) nats-server cluster on loopback: routes between every
/// node, JetStream on each, distinct `server_name`s (`<name>-1`, `<name>-2`, ...)
/// and one cluster name. ``start(name:size:timeout:)`` returns once every node is
/// healthy and all agree on a JetStream meta leader.
///
/// Route ports must be known before any node starts (each node lists all routes),
/// so they are reserved by binding 127.0.0.1:0 and released just before launch;
/// if another process takes one in that window, the whole start is retried with
/// fresh ports (up to 3 times). Client and monitoring ports are picked by nats-server.
public final class NATSCluster: Sendable {
    /// The cluster name.
    public let name: String
    /// The nodes, in start order.
    public let nodes: [NATSServer]

    /// Client URLs of all nodes (a server list for a client).
    public var urls: [String] { nodes.map(\.url) }

    private init(name: String, nodes: [NATSServer]) {
        self.name = name
        self.nodes = nodes
    }

    deinit {
        shutdown()
    }

    /// Starts `size` nodes and waits for a healthy cluster with a JetStream meta leader.
    ///
    /// - Parameters:
    ///   - name: the cluster name; nodes are named `<name>-1` ... `<name>-<size>`.
    ///   - size: number of nodes (3 for R3 streams).
    ///   - timeout: deadline for each attempt.
    /// - Throws: ``NATSServerError`` if the cluster does not form in time.
    public static func start(name: String = "meridian", size: Int = 3, timeout: Duration = .seconds(30)) async throws -> NATSCluster {
        let executable = try NATSServer.findExecutable()
        var lastError: (any Error)?
        for _ in 0..<3 {
            let routePorts = try LoopbackProbe.reservePorts(size)
            var nodes: [NATSServer] = []
            do {
                for index in 0..<size {
                    let options = NATSServer.Options(
                        serverName: "\(name)-\(index + 1)",
                        cluster: .init(name: name, port: routePorts[index], routePorts: routePorts),
                        executable: executable)
                    nodes.append(try await NATSServer.start(options, timeout: timeout))
                }
                let cluster = NATSCluster(name: name, nodes: nodes)
                try await cluster.waitUntilHealthy(timeout: timeout)
                return cluster
            } catch {
                for node in nodes { node.shutdown() }
                lastError = error
                // Retry only when a route port was taken between reservation and launch.
                guard "\(error)".contains("address already in use") else { throw error }
            }
        }
        throw lastError ?? NATSServerError("cluster \(name) did not start")
    }

    /// The node with the given `server_name`.
    public func node(named serverName: String) -> NATSServer? {
        nodes.first { $0.serverName == serverName }
    }

    /// The running nodes.
    public var runningNodes: [NATSServer] { nodes.filter(\.isRunning) }

    /// The JetStream meta leader's `server_name` if all running nodes agree on one right now
    /// and each of them counts every node of the cluster in the meta group (`cluster_size`).
    public func metaLeader() -> String? {
        var leader: String?
        for node in runningNodes {
            guard let jsz = node.monitorJSON("/jsz"),
                let meta = jsz["meta_cluster"] as? [String: Any],
                let name = meta["leader"] as? String, !name.isEmpty,
                meta["cluster_size"] as? Int == nodes.count
            else { return nil }
            if let known = leader, known != name { return nil }
            leader = name
        }
        return leader
    }

    /// Whether every running node has a route to every other running node (`/routez`).
    public func isFullyRouted() -> Bool {
        let running = runningNodes
        return running.allSatisfy { $0.monitorJSON("/routez")?["num_routes"] as? Int == running.count - 1 }
    }

    /// Waits until every running node answers `/healthz` 200, is routed to every other running
    /// node, and all agree on a meta leader (one of the running nodes) in a meta group of
    /// every node. Returns the meta leader's name.
    ///
    /// - Throws: ``NATSServerError`` if the deadline passes.
    @discardableResult
    public func waitUntilHealthy(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let running = runningNodes
            let leader = await offCooperativePool { () -> String? in
                guard running.allSatisfy({ $0.isHealthy() }), self.isFullyRouted(), let leader = self.metaLeader(),
                      running.contains(where: { $0.serverName == leader })
                else { return nil }
                return leader
            }
            if let leader { return leader }
            if ContinuousClock.now >= deadline {
                let tails = nodes.map { "[\($0.serverName)] running=\($0.isRunning)\n\($0.logTail(lines: 8))" }
                throw NATSServerError(
                    "cluster \(name) not healthy with a meta leader within \(timeout)",
                    logTail: tails.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The `server_name` of the leader of `stream` (account `$G` by default) right now,
    /// as reported by the node that leads it (`/jsz?accounts=true&streams=true`).
    public func streamLeaderName(_ stream: String, account: String = "$G") -> String? {
        for node in runningNodes {
            guard let jsz = node.monitorJSON("/jsz?accounts=true&streams=true"),
                let accounts = jsz["account_details"] as? [[String: Any]]
            else { continue }
            for detail in accounts where (detail["name"] as? String) == account {
                for streamDetail in detail["stream_detail"] as? [[String: Any]] ?? []
                where (streamDetail["name"] as? String) == stream {
                    let cluster = streamDetail["cluster"] as? [String: Any]
                    if let leader = cluster?["leader"] as? String, leader == node.serverName {
                        return leader
                    }
                }
            }
        }
        return nil
    }

    /// Waits until some running node reports itself as the leader of `stream` and returns that node.
    ///
    /// - Throws: ``NATSServerError`` if no leader is found before the deadline.
    public func streamLeader(_ stream: String, account: String = "$G", timeout: Duration = .seconds(15)) async throws -> NATSServer {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let name = await offCooperativePool({ self.streamLeaderName(stream, account: account) }),
               let node = node(named: name) {
                return node
            }
            if ContinuousClock.now >= deadline {
                throw NATSServerError("no leader for stream \(stream) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops one node with SIGKILL (a crash), by its pid, and reaps it.
    public func kill(_ node: NATSServer) async {
        await node.stop(.kill)
    }

    /// Restarts a stopped node on its ports and store, then waits until the cluster is healthy again.
    public func restart(_ node: NATSServer, timeout: Duration = .seconds(30)) async throws {
        try await node.restart(timeout: timeout)
        try await waitUntilHealthy(timeout: timeout)
    }

    /// Shuts every node down (SIGKILL by pid, reap, remove temporary directories). Idempotent.
    public func shutdown() {
        for node in nodes { node.shutdown() }
    }
}

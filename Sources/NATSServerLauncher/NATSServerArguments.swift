// The nats-server command line a launcher's options and state stand for.

import Synchronization

extension NATSServer {
    /// The command-line arguments of the next launch: loopback, ports (or `-1` for the first
    /// launch, which lets nats-server pick), ports file, JetStream store, cluster routes.
    func arguments() -> [String] {
        let (port, monitoringPort) = state.withLock { ($0.port, $0.monitoringPort) }
        var args = [
            "-a", "127.0.0.1",
            "-p", port.map(String.init) ?? "-1",
            "-m", monitoringPort.map(String.init) ?? "-1",
            "--server_name", serverName,
            "--ports_file_dir", directory,
        ]
        if options.jetStream {
            args += ["-js", "-sd", storeDirectory]
        }
        if let cluster = options.cluster {
            args += [
                "--cluster_name", cluster.name,
                "--cluster", "nats://127.0.0.1:\(cluster.port)",
                "--routes", cluster.routePorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ","),
            ]
        }
        return args + options.extraArguments
    }
}

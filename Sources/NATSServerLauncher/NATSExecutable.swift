import Foundation

extension NATSServer {
    /// Finds `nats-server`: `$NATS_SERVER`, then each `PATH` entry, then /usr/sbin, /usr/bin, /usr/local/bin.
    ///
    /// - Throws: ``NATSServerError`` naming the places searched and how to install it.
    public static func findExecutable() throws -> String {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["NATS_SERVER"], !explicit.isEmpty {
            guard fm.isExecutableFile(atPath: explicit) else {
                throw NATSServerError("NATS_SERVER=\(explicit) is not an executable file")
            }
            return explicit
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var dirs = path.split(separator: ":").map(String.init)
        for extra in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin"] where !dirs.contains(extra) {
            dirs.append(extra)
        }
        for dir in dirs where !dir.isEmpty {
            let candidate = dir + "/nats-server"
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw NATSServerError(
            "nats-server not found (searched $NATS_SERVER, PATH, /usr/sbin, /usr/bin, /usr/local/bin); "
                + "install it with `sudo apt-get install -y nats-server`")
    }
}

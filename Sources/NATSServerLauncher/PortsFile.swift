import Foundation

/// The JSON file nats-server writes once its listeners are up (`--ports_file_dir`).
enum PortsFile {
    /// The client and monitoring ports a nats-server wrote to its `--ports_file_dir` file, or nil
    /// until the file is complete.
    static func read(_ file: String) -> (client: Int, monitoring: Int)? {
        guard let data = FileManager.default.contents(atPath: file),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let nats = (object["nats"] as? [String])?.first,
            let monitoring = (object["monitoring"] as? [String])?.first,
            let client = lastPort(nats), let http = lastPort(monitoring)
        else { return nil }
        return (client, http)
    }

    private static func lastPort(_ url: String) -> Int? {
        url.split(separator: ":").last.flatMap { Int($0) }
    }
}

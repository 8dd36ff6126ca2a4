import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP GETs for tests of Meridian's own endpoints and of the servers it talks to, by
/// URLSession: it honours keep-alive and Content-Length and does not block a thread of the
/// cooperative pool while it waits (a blocking socket read there starves the services under test).
public enum HTTPProbe {
    /// A response: status code and body text.
    public struct Response: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    /// GETs `http://127.0.0.1:<port><path>`; nil if nothing answers within `timeout`.
    public static func get(port: Int, path: String, timeout: Duration = .seconds(5)) async -> Response? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return nil }
        return Response(status: http.statusCode, body: String(decoding: data, as: UTF8.self))
    }
}

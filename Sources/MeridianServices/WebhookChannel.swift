public import Foundation
import TicketRouting
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Hands each assignment to the team's tool by an HTTP POST of its JSON
/// (`Content-Type: application/json`); any 2xx answer is success. Anything else, or no
/// answer within `timeout`, throws, so the work is not acknowledged and comes again.
public struct WebhookChannel: TeamChannel {
    public let url: URL
    public let timeout: Duration
    /// Signs each delivery (`Meridian-Signature`), when a secret is configured.
    public let signer: WebhookSigner?

    public init(url: URL, timeout: Duration = .seconds(10), signer: WebhookSigner? = nil) {
        self.url = url
        self.timeout = timeout
        self.signer = signer
    }

    public func deliver(_ assignment: Assignment) async throws {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(assignment.work.workID.rawValue, forHTTPHeaderField: "Meridian-Work-Id")
        let body = try JSONCoding.encode(assignment)
        request.httpBody = Data(body)
        if let signer {
            request.setValue(signer.signature(body: body, at: Int64(Date().timeIntervalSince1970)),
                             forHTTPHeaderField: WebhookSigner.header)
        }
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw WebhookError(url: url, status: status)
        }
    }
}

/// The webhook did not accept an assignment.
public struct WebhookError: Error, CustomStringConvertible {
    public var url: URL
    public var status: Int
    public var description: String { "webhook \(url.absoluteString) answered HTTP \(status)" }
}

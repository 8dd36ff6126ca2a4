public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import Logging
public import NATS
public import ServiceLifecycle
import Synchronization
import TicketRouting

/// Posts alerts to Alertmanager's API v2 (`POST <base>/api/v2/alerts`, a JSON array).
/// URLSession (FoundationNetworking on Linux), as `WebhookChannel` does: no extra package,
/// no extra build time, and one short request per batch needs nothing more.
public struct AlertmanagerClient: Sendable {
    public let baseURL: URL
    public let timeout: Duration

    public init(baseURL: URL, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL
        self.timeout = timeout
    }

    public var alertsURL: URL { baseURL.appendingPathComponent("api/v2/alerts") }

    /// Posts `alerts`; any 2xx answer is success.
    public func post(_ alerts: [AlertmanagerAlert]) async throws {
        guard !alerts.isEmpty else { return }
        var request = URLRequest(url: alertsURL)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(try JSONCoding.encode(alerts))
        request.timeoutInterval = timeout.secondsDouble
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw AlertmanagerError(url: alertsURL, status: status, body: String(decoding: data.prefix(300), as: UTF8.self))
        }
    }
}

/// Alertmanager did not accept alerts.
public struct AlertmanagerError: Error, CustomStringConvertible {
    public var url: URL
    public var status: Int
    public var body: String
    public var description: String { "Alertmanager \(url.absoluteString) answered HTTP \(status): \(body)" }
}

/// `meridian alertmanager --url URL`: follows the event log and keeps Alertmanager's view of
/// Meridian's SLA alerts true (`AlertBook` says what; this service says when).
///
/// At start it replays the whole log (to know which breaches are still unanswered), then posts
/// every active alert; after that it posts each change as it happens and every active alert
/// again each `refresh`. Active alerts carry `endsAt` = now + `resolveTimeout` (real time), so
/// they expire by themselves if the bridge stops; a resolved alert is posted with `endsAt` = the
/// response or resolution instant, retried with the next refresh while Alertmanager is unreachable.
public final class AlertmanagerBridge: Service {
    public let connection: NATSConnection
    public let client: AlertmanagerClient
    public let refresh: Duration
    public let resolveTimeout: Duration
    let logger: Logger
    private let book: Mutex<AlertBook>
    /// Resolutions not yet accepted by Alertmanager.
    private let unsent = Mutex<[AlertmanagerAlert]>([])
    private let live = Atomic<Bool>(false)
    private let posted = Atomic<Int>(0)
    static let maxUnsent = 10_000

    public init(connection: NATSConnection, client: AlertmanagerClient, warnings: Bool = false,
                refresh: Duration = .seconds(60), resolveTimeout: Duration = .seconds(300),
                logger: Logger = Logger(label: "meridian.alertmanager")) {
        precondition(refresh > .zero && resolveTimeout > refresh)
        self.connection = connection
        self.client = client
        self.refresh = refresh
        self.resolveTimeout = resolveTimeout
        self.logger = logger
        self.book = Mutex(AlertBook(warnings: warnings))
    }

    /// Batches Alertmanager accepted so far.
    public var postedBatches: Int { posted.load(ordering: .relaxed) }

    public func run() async throws {
        try await JetStreamCheck.require(connection)
        let js = try connection.jetStream()
        let replay = try await js.replay(stream: MeridianStreams.events, filter: "meridian.events.>")
        logger.info("following the event log", metadata: ["alertmanager": "\(client.alertsURL.absoluteString)"])
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await self.follow(replay) }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: self.refresh)
                        if self.live.load(ordering: .relaxed) { await self.push(everything: true) }
                    }
                }
            }
        }
    }

    private func follow(_ replay: JetStreamReplay) async throws {
        for try await item in replay {
            switch item {
            case .message(let message):
                guard let event = try? TicketEvent.decode(json: message.payload) else {
                    logger.warning("ignored an unreadable event", metadata: ["subject": "\(message.subject)"])
                    continue
                }
                guard [.breached, .warning, .responded, .resolved].contains(event.kind) else { continue }
                book.withLock { $0.apply(event) }
                if live.load(ordering: .relaxed) { await push(everything: event.kind.isAlert) }
            case .caughtUp:
                let count = book.withLock { book in
                    book.forgetResolved()
                    return book.activeCount
                }
                logger.info("caught up with the event log", metadata: ["active_alerts": "\(count)"])
                live.store(true, ordering: .relaxed)
                await push(everything: true)
            }
        }
    }

    /// Posts the resolutions (and, with `everything`, every active alert).
    private func push(everything: Bool) async {
        let now = SystemClock().now()
        let timeout = resolveTimeout.components.seconds
        let (resolved, active) = book.withLock { book in
            (book.takeResolved(), everything ? book.activeAlerts(now: now, resolveTimeout: timeout) : [])
        }
        // Resolutions wait in `unsent` until Alertmanager accepts them.
        let resolutions = unsent.withLock { list in
            list.append(contentsOf: resolved)
            // Bounded: an alert left out still expires at its last endsAt.
            if list.count > Self.maxUnsent { list.removeFirst(list.count - Self.maxUnsent) }
            return list
        }
        let batch = resolutions + active
        guard !batch.isEmpty else { return }
        do {
            try await client.post(batch)
            posted.add(1, ordering: .relaxed)
            unsent.withLock { $0.removeAll { resolutions.contains($0) } }
        } catch {
            logger.warning("could not post alerts; retrying with the next refresh",
                           metadata: ["alerts": "\(batch.count)", "error": "\(error)"])
        }
    }
}

/// Runs `body` for each element of `sequence`, with at most `limit` running at once;
/// returns when the sequence ends and every body has finished.
///
/// The routers use it so that one slow JetStream round trip does not hold up the tickets
/// behind it: a ticket costs several round trips, and a router answering one at a time
/// would route no more than a few hundred per second.
func forEach<S: AsyncSequence>(
    _ sequence: S, concurrently limit: Int, _ body: @escaping @Sendable (S.Element) async -> Void
) async throws where S.Element: Sendable {
    precondition(limit > 0)
    try await withThrowingTaskGroup(of: Void.self) { group in
        var running = 0
        for try await element in sequence {
            if running >= limit {
                try await group.next()
                running -= 1
            }
            group.addTask { await body(element) }
            running += 1
        }
        try await group.waitForAll()
    }
}

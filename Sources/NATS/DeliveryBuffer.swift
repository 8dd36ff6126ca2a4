/// Hands elements from a cnats thread to one Swift consumer in batches.
///
/// The producer (a cnats delivery thread, or a pool thread) appends under a pthread lock and
/// waits when `capacity` elements are pending (back-pressure onto cnats' own pending limits);
/// the consumer swaps out the whole pending array at once, so each element costs one append
/// and no allocation in the steady state.
final class DeliveryBuffer<Element: Sendable>: @unchecked Sendable {
    private let lock = ConditionLock()
    private var pending: [Element] = []
    private var finished = false
    private var failure: NATSError?
    private var consumerGone = false
    private var waiter: UnsafeContinuation<Void, Never>?
    private let capacity: Int
    private let wakeThreshold: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        self.wakeThreshold = min(self.capacity, 256)
        pending.reserveCapacity(min(self.capacity, 1024))
    }

    /// Producer side: appends `element`; waits while the buffer is full.
    ///
    /// With `wake == false` (the producer knows more elements follow at once) a waiting consumer
    /// is not resumed yet, unless a batch's worth is pending: this turns one consumer wake-up
    /// per message into one per batch.
    /// Returns false when the consumer is gone (the element was dropped).
    @discardableResult
    func push(_ element: Element, wake: Bool = true) -> Bool {
        lock.lock()
        while pending.count >= capacity && !consumerGone && !finished {
            if let w = waiter {
                waiter = nil
                lock.unlock()
                w.resume()
                lock.lock()
                continue
            }
            lock.wait()
        }
        if consumerGone || finished {
            lock.unlock()
            return false
        }
        pending.append(element)
        var w: UnsafeContinuation<Void, Never>? = nil
        if wake || pending.count >= wakeThreshold {
            w = waiter
            waiter = nil
        }
        lock.unlock()
        w?.resume()
        return true
    }

    /// Producer side: no more elements; the consumer sees `error` (if any) after the pending ones.
    func finish(_ error: NATSError? = nil) {
        lock.lock()
        if !finished {
            finished = true
            failure = error
        }
        let w = waiter
        waiter = nil
        lock.unlock()
        lock.broadcast()
        w?.resume()
    }

    /// Consumer side: the consumer will not read any more; unblocks a waiting producer.
    func consumerDone() {
        lock.lock()
        consumerGone = true
        let w = waiter
        waiter = nil
        lock.unlock()
        lock.broadcast()
        w?.resume()
    }

    var isConsumerGone: Bool { lock.withLock { consumerGone } }

    /// Consumer side: moves the pending elements into `batch` (which must be empty), waiting
    /// until there are some. Returns false at the end (finished and drained, or task cancelled);
    /// then `error` holds the failure, if any.
    func take(into batch: inout [Element]) async -> (more: Bool, error: NATSError?) {
        while true {
            if Task.isCancelled { return (false, nil) }
            lock.lock()
            if !pending.isEmpty {
                let wasFull = pending.count >= capacity
                swap(&pending, &batch)
                lock.unlock()
                if wasFull { lock.broadcast() }
                return (true, nil)
            }
            if finished || consumerGone {
                let e = failure
                failure = nil
                lock.unlock()
                return (false, e)
            }
            lock.unlock()
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
                    lock.lock()
                    if !pending.isEmpty || finished || consumerGone || Task.isCancelled {
                        lock.unlock()
                        c.resume()
                        return
                    }
                    waiter = c
                    lock.unlock()
                }
            } onCancel: {
                lock.lock()
                let w = waiter
                waiter = nil
                lock.unlock()
                w?.resume()
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with a condition variable. Used where a cnats thread may have to wait
/// (back-pressure) — never awaited from Swift concurrency while held.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits for a signal; the lock must be held.
    @inline(__always) func wait() { pthread_cond_wait(cond, mutex) }
    @inline(__always) func broadcast() { pthread_cond_broadcast(cond) }
    @inline(__always) func signal() { pthread_cond_signal(cond) }

    @inline(__always) func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// Threads for blocking cnats calls (request, fetch, sync publish, ack-sync, JetStream API and
/// key-value calls), so that they never occupy Swift's cooperative thread pool (two threads on a
/// 2-core machine). Threads are created on demand up to `maxThreads` and then reused.
package final class BlockingPool: @unchecked Sendable {
    /// The process-wide pool used by every connection.
    package static let shared = BlockingPool(maxThreads: 256)

    private let lock = ConditionLock()
    private var jobs: [@Sendable () -> Void] = []
    private var jobHead = 0
    private var idle = 0
    private var threads = 0
    private let maxThreads: Int

    init(maxThreads: Int) { self.maxThreads = maxThreads }

    /// Runs `body` on a pool thread.
    func submit(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        jobs.append(body)
        // Idle threads that were signalled but have not yet taken a job still count as idle, so
        // compare the queue with them: one idle thread must not be counted for two jobs.
        let spawn = jobs.count - jobHead > idle && threads < maxThreads
        if spawn { threads += 1 }
        lock.unlock()
        lock.signal()
        if spawn { startThread() }
    }

    private func startThread() {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 512 * 1024)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            let pool = Unmanaged<BlockingPool>.fromOpaque(arg!).takeRetainedValue()
            pool.workerLoop()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            Unmanaged<BlockingPool>.fromOpaque(box).release()
            lock.withLock { threads -= 1 }
        }
    }

    /// Threads started so far (the multiplexer tests check that requests hold none).
    var threadCount: Int { lock.withLock { threads } }

    private func workerLoop() {
        while true {
            lock.lock()
            while jobHead == jobs.count {
                idle += 1
                lock.wait()
                idle -= 1
            }
            let job = jobs[jobHead]
            jobHead += 1
            if jobHead == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                jobHead = 0
            }
            lock.unlock()
            job()
        }
    }

    /// Runs a long-lived blocking loop (a key-value watch) on a new thread of its own, so that it
    /// never takes a pool thread for its whole life.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setstacksize(&attr, 512 * 1024)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, &attr, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 {
            // No thread: fall back to the pool rather than dropping the work.
            let b = Unmanaged<Box>.fromOpaque(box).takeRetainedValue()
            BlockingPool.shared.submit(b.body)
        }
    }

    /// Runs a blocking `body` on a pool thread and suspends the caller until it returns.
    package func run<T: Sendable>(_ body: @escaping @Sendable () throws(NATSError) -> T) async throws(NATSError) -> T {
        let result: Result<T, NATSError> = await withUnsafeContinuation { continuation in
            submit {
                do throws(NATSError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs a blocking, non-failing `body` on a pool thread and suspends the caller until it returns.
    package func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withUnsafeContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }
}

/// A C object pointer moved between threads. cnats objects are thread-safe where this module
/// shares them; ownership stays with the Swift object that destroys it.
struct SendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

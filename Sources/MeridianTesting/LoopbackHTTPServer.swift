import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests of webhooks: records each request's body
/// and answers with a fixed status. One thread, one connection at a time, `Connection: close`.
public final class LoopbackHTTPServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let socket: Int32
    private let state: Mutex<(bodies: [[UInt8]], heads: [String], status: Int, stopped: Bool)>

    /// A socket call that failed while starting the server.
    public struct SocketError: Error, CustomStringConvertible {
        /// The call and its errno.
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// `http://127.0.0.1:<port>/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Starts listening; `status` is the answer to every request until changed.
    public init(status: Int = 204) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackHTTPServer.SocketError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw LoopbackHTTPServer.SocketError("bind/listen on 127.0.0.1: errno \(errno)")
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        state = Mutex((bodies: [], heads: [], status: status, stopped: false))
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// Bodies of the requests received so far, in order.
    public var bodies: [[UInt8]] { state.withLock { $0.bodies } }
    /// The request line and header lines of each request received, lowercased.
    public var heads: [String] { state.withLock { $0.heads } }

    /// Changes the status of later answers.
    public func answer(_ status: Int) { state.withLock { $0.status = status } }

    /// Stops accepting connections.
    /// Idempotent: the socket is closed once (a second close could hit a reused descriptor).
    public func stop() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        shutdown(socket, Int32(SHUT_RDWR))
    }

    deinit { stop() }

    private func serve() {
        defer { close(socket) }
        while !state.withLock({ $0.stopped }) {
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let n = read(connection, &buffer, buffer.count)
            guard n > 0 else { return }
            data.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let end = data.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                headerEnd = end
                let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                if let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }) {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let end = headerEnd, data.count >= end + contentLength {
                let body = Array(data[end..<(end + contentLength)])
                let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                let status = state.withLock { state -> Int in
                    state.bodies.append(body)
                    state.heads.append(head)
                    return state.status
                }
                let reply = "HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = reply.withCString { write(connection, $0, strlen($0)) }
                return
            }
        }
    }
}

import Foundation

import Glibc

/// Small blocking loopback helpers (HTTP GET, NATS INFO, port reservation), bounded by timeouts.
public enum LoopbackProbe {
    /// A minimal HTTP response.
    public struct HTTPResponse: Sendable {
        /// The status code, e.g. 200.
        public var status: Int
        /// The body as text.
        public var body: String
    }

    /// GETs `path` from `http://127.0.0.1:port` (HTTP/1.0, connection closed by the server).
    /// Returns nil if the connection fails or nothing parseable arrives within `timeout`.
    public static func httpGet(port: Int, path: String, timeout: Duration = .seconds(2)) -> HTTPResponse? {
        guard let fd = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
        guard sendAll(fd, Array(request.utf8)) else { return nil }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n] } else if n == -1 && errno == EINTR { continue } else { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
        let statusLine = text[..<headerEnd.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        return HTTPResponse(status: status, body: String(text[headerEnd.upperBound...]))
    }

    /// Connects to the NATS client port and returns the server's first protocol line
    /// (`INFO {...}`), or nil if nothing answers within `timeout`.
    public static func natsInfo(port: Int, timeout: Duration = .seconds(2)) -> String? {
        guard let fd = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !data.contains(UInt8(ascii: "\n")) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n] } else if n == -1 && errno == EINTR { continue } else { break }
        }
        guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return String(decoding: data[..<newline], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Speaks raw NATS protocol: connects to 127.0.0.1:`port`, sends `CONNECT {...}` and `commands`
    /// (e.g. `"SUB _INBOX.x 1\r\nPUB subj _INBOX.x 2\r\nhi\r\n"`), then reads until the text
    /// received contains `until` or `timeout` passes. Returns everything received (INFO line included).
    ///
    /// For launcher tests that must not depend on the Swift client.
    public static func natsExchange(port: Int, commands: String, until: String, timeout: Duration = .seconds(5)) -> String {
        guard let fd = connect(port: port, timeout: .milliseconds(200)) else { return "" }
        defer { close(fd) }
        let connect = "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\n"
        guard sendAll(fd, Array((connect + commands).utf8)) else { return "" }
        let deadline = ContinuousClock.now + timeout
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while ContinuousClock.now < deadline {
            if String(decoding: data, as: UTF8.self).contains(until) { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data += buffer[0..<n]
            } else if n == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue
            } else {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int, timeout: Duration = .seconds(1)) -> Bool {
        guard let fd = connect(port: port, timeout: timeout) else { return false }
        close(fd)
        return true
    }

    /// Reserves `count` distinct free loopback ports by binding 127.0.0.1:0, then releases them.
    /// Another process may take one before it is used; callers must handle a failed bind.
    public static func reservePorts(_ count: Int) throws -> [Int] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw NATSServerError("socket() failed: errno \(errno)") }
            fds.append(fd)
            var address = loopbackAddress(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw NATSServerError("bind(127.0.0.1:0) failed: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw NATSServerError("getsockname failed: errno \(errno)") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }

    private static func connect(port: Int, timeout: Duration) -> Int32? {
        guard port > 0 && port < 65536 else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if tv.tv_sec == 0 && tv.tv_usec == 0 { tv.tv_usec = 1000 }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = loopbackAddress(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n } else if n == -1 && errno == EINTR { continue } else { return false }
        }
        return true
    }
}

/// Runs blocking work (loopback HTTP probes of the monitoring port) on a thread of its own:
/// Swift's cooperative pool has one thread per core (two on CI), and a probe that waits for
/// a busy server would stall every other test for that long.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}

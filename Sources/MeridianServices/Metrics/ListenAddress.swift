/// A `HOST:PORT` to listen on (`--metrics-listen`): `127.0.0.1:9464`, `0.0.0.0:9464`,
/// `[::1]:9464`, `metrics.local:9464`. Port 0 picks a free port (the server logs which).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses and validates `text`.
    /// - Throws: `ListenAddressError` saying what is wrong.
    public init(parsing text: String) throws(ListenAddressError) {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError(text: text, reason: "an IPv6 address is written [ADDRESS]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
            guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ListenAddressError(text: text, reason: "\"\(hostPart)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ListenAddressError(text: text, reason: "expected HOST:PORT, e.g. 127.0.0.1:9464")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            guard !hostPart.isEmpty else { throw ListenAddressError(text: text, reason: "the host is empty") }
            guard hostPart.count <= 253, hostPart.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
            else {
                throw ListenAddressError(text: text, reason: "\"\(hostPart)\" is not a host name or IPv4 address")
            }
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portPart),
              (0...65_535).contains(port)
        else {
            throw ListenAddressError(text: text, reason: "the port must be a number from 0 to 65535")
        }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `--metrics-listen` value that is not a valid `HOST:PORT`.
public struct ListenAddressError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "\"\(text)\": \(reason)" }
}

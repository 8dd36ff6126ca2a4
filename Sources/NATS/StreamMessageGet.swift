import Foundation

/// `$JS.API.STREAM.MSG.GET.<stream>` through the connection's ``RequestMultiplexer``: what
/// `js_GetLastMsg` / `js_GetMsg` do, without parking a thread for the round trip (the router's
/// duplicate look-up runs once per ticket).
extension JetStream {
    /// Sends a message-get request (`{"last_by_subj":...}` or `{"seq":...}`) and decodes the answer.
    /// - Returns: nil when the server answers 404 (no such message, or no such stream), as cnats does.
    func getStoredMessage(stream: String, request body: String, what: String) async throws(NATSError) -> StoredMessage? {
        guard Self.isValidStreamName(stream) else {
            throw NATSError(status: .invalidArgument, text: "getting \(what): invalid stream name \"\(stream)\"")
        }
        let reply = try await connection.request("\(apiPrefix).STREAM.MSG.GET.\(stream)", payload: Array(body.utf8),
                                                 timeout: options.apiTimeout)
        let response: StreamMessageGetResponse
        do { response = try JSONDecoder().decode(StreamMessageGetResponse.self, from: Data(reply.payload)) } catch {
            throw NATSError(status: .error, text: "getting \(what): unreadable JetStream answer (\(error))")
        }
        if let error = response.error {
            if error.code == 404 { return nil }
            throw NATSError(status: .error, jetStreamCode: error.errCode,
                            text: "getting \(what): \(error.description ?? "JetStream error \(error.code)")")
        }
        guard let m = response.message, let stored = StoredMessage(m) else {
            throw NATSError(status: .error, text: "getting \(what): malformed JetStream answer")
        }
        return stored
    }

    /// cnats' rule for stream names in API subjects: not empty, no `.`, `*`, `>` or whitespace.
    static func isValidStreamName(_ name: String) -> Bool {
        !name.isEmpty && !name.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: ">") || $0 <= 0x20 }
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The answer of `$JS.API.STREAM.MSG.GET`.
struct StreamMessageGetResponse: Decodable {
    struct Message: Decodable {
        var subject: String
        var seq: UInt64
        /// Base64 of the header block (`NATS/1.0\r\nName: value\r\n...\r\n\r\n`).
        var hdrs: String?
        /// Base64 of the payload.
        var data: String?
        /// RFC 3339 with up to nanoseconds, UTC.
        var time: String
    }

    struct APIError: Decodable {
        var code: Int
        var errCode: Int?
        var description: String?

        enum CodingKeys: String, CodingKey {
            case code, description
            case errCode = "err_code"
        }
    }

    var message: Message?
    var error: APIError?
}

extension StoredMessage {
    /// From the API answer; nil if its base64, headers or time are malformed.
    init?(_ m: StreamMessageGetResponse.Message) {
        guard let payload = Self.base64(m.data), let headerBytes = Self.base64(m.hdrs),
              let headers = NATSHeaders(block: headerBytes), let time = Self.unixNanoseconds(m.time)
        else { return nil }
        subject = m.subject
        self.headers = headers
        self.payload = payload
        sequence = m.seq
        timestampNanoseconds = time
    }

    private static func base64(_ text: String?) -> [UInt8]? {
        guard let text, !text.isEmpty else { return [] }
        return Data(base64Encoded: text).map(Array.init)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` → nanoseconds since 1970 (UTC only, as the server writes it).
    static func unixNanoseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.last == UInt8(ascii: "Z") || b.last == UInt8(ascii: "z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in range {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] | 0x20 == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10),
              let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var nanos: Int64 = 0
        let end = b.count - 1
        if end > 19 {
            guard b[19] == UInt8(ascii: "."), end > 20, end - 20 <= 9, let f = number(20..<end) else { return nil }
            nanos = f
            for _ in 0..<(9 - (end - 20)) { nanos *= 10 }
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return (days * 86_400 + h * 3600 + mi * 60 + s) * 1_000_000_000 + nanos
    }
}

extension NATSHeaders {
    /// Parses a NATS header block (`NATS/1.0[ status]\r\n` then `Name: value\r\n` lines); nil if malformed.
    init?(block bytes: [UInt8]) {
        self.init()
        guard !bytes.isEmpty else { return }
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasPrefix("NATS/1.0") else { return nil }
        lines.removeFirst()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return nil }
            add(name, value)
        }
    }
}

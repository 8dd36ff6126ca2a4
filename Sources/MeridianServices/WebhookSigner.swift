import Crypto

/// Signs webhook deliveries so a receiver can tell they come from Meridian and are fresh:
/// `Meridian-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with a shared
/// secret (Docs/SECURITY.md shows a receiver's check).
public struct WebhookSigner: Sendable {
    /// The header's name.
    public static let header = "Meridian-Signature"
    /// How old a signature a receiver accepts by default: 5 minutes.
    public static let tolerance: Int64 = 300

    private let key: SymmetricKey

    /// A signer with `secret` (at least 16 bytes).
    /// - Returns: nil for a shorter secret.
    public init?(secret: [UInt8]) {
        guard secret.count >= 16 else { return nil }
        key = SymmetricKey(data: secret)
    }

    /// The header value for `body` sent at `unix` seconds.
    public func signature(body: [UInt8], at unix: Int64) -> String {
        "t=\(unix),v1=\(hex(mac(body: body, at: unix)))"
    }

    /// Whether `header` is a valid signature of `body` made at most `tolerance` seconds before
    /// `now` (and not more than `tolerance` after it): what a receiver checks. Compares in constant time.
    /// - Complexity: O(body).
    public func verify(header: String, body: [UInt8], now: Int64, tolerance: Int64 = WebhookSigner.tolerance) -> Bool {
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let bytes = unhex(pair[1]) { signatures.append(bytes) }
            default: continue
            }
        }
        guard let t = timestamp else { return false }
        let age = t.subtractingReportingOverflow(now)
        guard !age.overflow, age.partialValue.magnitude <= tolerance.magnitude else { return false }
        let expected = mac(body: body, at: t)
        return signatures.contains { constantTimeEqual($0, expected) }
    }

    private func mac(body: [UInt8], at unix: Int64) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(unix).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    private func unhex(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

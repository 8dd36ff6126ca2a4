import Crypto
import Foundation

/// The role an NKey is for, as its first character shows (`U…` user, `A…` account, `O…` operator).
public enum NKeyType: UInt8, Sendable, Hashable, CaseIterable {
    /// `A`: an account.
    case account = 0        // 0 << 3
    /// `C`: a cluster.
    case cluster = 16       // 2 << 3
    /// `N`: a server.
    case server = 104       // 13 << 3
    /// `O`: an operator.
    case `operator` = 112   // 14 << 3
    /// `U`: a user.
    case user = 160         // 20 << 3

    /// The prefix byte of a seed (`S`, 18 << 3).
    static let seedPrefix: UInt8 = 144
}

/// Why a text is not an NKey.
public enum NKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not base32, or the wrong length.
    case malformed
    /// The checksum does not match: a typo or a truncated copy.
    case badChecksum
    /// A valid encoding of something else (e.g. a public key where a seed was expected).
    case wrongPrefix

    public var description: String {
        switch self {
        case .malformed: "not an NKey (base32 of the wrong length or with foreign characters)"
        case .badChecksum: "the NKey's checksum does not match (mistyped or truncated)"
        case .wrongPrefix: "not the expected kind of NKey (a seed starts with S, a user key with U)"
        }
    }
}

/// An NKey pair: an Ed25519 key whose seed and public key are written in the NKeys text
/// encoding (base32 without padding of prefix bytes, the key and a CRC-16/XMODEM checksum,
/// little-endian), as nats-server, `nsc` and every NATS client read them.
///
/// ```swift
/// let key = NKeyPair.generate(.user)
/// key.seed        // "SUA…" (58 characters): secret, goes into a 0600 file
/// key.publicKey   // "UA…"  (56 characters): goes into the server's authorization
/// ```
public struct NKeyPair: Sendable {
    /// What the key is for.
    public let type: NKeyType
    private let key: Curve25519.Signing.PrivateKey

    /// A new random key of `type`.
    public static func generate(_ type: NKeyType) -> NKeyPair {
        NKeyPair(type: type, key: Curve25519.Signing.PrivateKey())
    }

    private init(type: NKeyType, key: Curve25519.Signing.PrivateKey) {
        self.type = type
        self.key = key
    }

    /// Reads an encoded seed (`SU…`, `SA…`, `SO…`); surrounding white space is ignored.
    /// - Throws: ``NKeyError`` if the text is not a seed.
    public init(seed text: some StringProtocol) throws(NKeyError) {
        let raw = try NKeyCodec.decode(text.trimmingCharacters(in: .whitespacesAndNewlines), length: 36)
        // Seed prefix: 5 bits 'S', then the type's 5 bits across the first two bytes.
        guard raw[0] & 0xF8 == NKeyType.seedPrefix else { throw .wrongPrefix }
        let typeByte = ((raw[0] & 0x07) << 5) | ((raw[1] & 0xF8) >> 3)
        guard raw[1] & 0x07 == 0, let type = NKeyType(rawValue: typeByte) else { throw .wrongPrefix }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw[2..<34]) else { throw .malformed }
        self.init(type: type, key: key)
    }

    /// The encoded seed (58 characters, starting with `S`): the secret.
    public var seed: String {
        let prefix = [NKeyType.seedPrefix | (type.rawValue >> 5), (type.rawValue & 0x1F) << 3]
        return NKeyCodec.encode(prefix + Array(key.rawRepresentation))
    }

    /// The encoded public key (56 characters, starting with the type's letter).
    public var publicKey: String {
        NKeyCodec.encode([type.rawValue] + Array(key.publicKey.rawRepresentation))
    }

    /// The Ed25519 signature of `message` (64 bytes).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }

    /// Whether `signature` is this key's signature of `message`.
    public func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        key.publicKey.isValidSignature(signature, for: message)
    }

    /// Whether `text` is a well-formed public key of `type`.
    public static func isPublicKey(_ text: some StringProtocol, of type: NKeyType) -> Bool {
        guard let raw = try? NKeyCodec.decode(String(text), length: 35) else { return false }
        return raw[0] == type.rawValue
    }
}

/// The NKeys text form: base32 (no padding) of the bytes followed by their CRC-16, little-endian.
enum NKeyCodec {
    static func encode(_ bytes: [UInt8]) -> String {
        let crc = CRC16.checksum(bytes)
        return Base32.encode(bytes + [UInt8(crc & 0xFF), UInt8(crc >> 8)])
    }

    /// The bytes without the checksum; `length` counts them with it.
    static func decode(_ text: String, length: Int) throws(NKeyError) -> [UInt8] {
        guard text.utf8.count == (length * 8 + 4) / 5, let raw = Base32.decode(text), raw.count == length else {
            throw .malformed
        }
        let body = Array(raw[..<(length - 2)])
        let crc = UInt16(raw[length - 2]) | UInt16(raw[length - 1]) << 8
        guard CRC16.checksum(body) == crc else { throw .badChecksum }
        return body
    }
}

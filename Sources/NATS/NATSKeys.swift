import CNATS

/// What the C client makes of an NKey seed.
public enum NATSKeys {
    /// cnats' own Ed25519 signature of `message` with the encoded `seed` (what it signs the
    /// server's nonce with at connect), or nil if cnats cannot read the seed.
    ///
    /// cnats 3.4.1 refuses some well-formed seeds ("invalid seed", about 1 in 150 random
    /// keys), so a tool that writes seeds checks each one here.
    public static func signature(seed: String, message: String) -> [UInt8]? {
        var signature: UnsafeMutablePointer<UInt8>? = nil
        var length: Int32 = 0
        guard nats_Sign(seed, message, &signature, &length) == NATS_OK, let signature else { return nil }
        defer { free(signature) }
        return Array(UnsafeBufferPointer(start: signature, count: Int(length)))
    }
}

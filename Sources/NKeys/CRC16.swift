/// CRC-16/XMODEM (polynomial 0x1021, initial value 0), the checksum at the end of every NKey.
enum CRC16 {
    private static let table: [UInt16] = (0..<256).map { (byte: Int) -> UInt16 in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    /// The checksum of `bytes`.
    /// - Complexity: O(n) in the number of bytes.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }
}

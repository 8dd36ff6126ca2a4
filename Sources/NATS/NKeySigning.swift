import CNATS
import NKeys
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signs the server's connect nonce with the NKey seed of ``NATSAuth/nkey(publicKey:seedFile:)``,
/// in Swift (swift-crypto's Ed25519), instead of cnats' `natsOptions_SetNKeyFromSeed`: cnats
/// 3.4.1's `nats_Sign` refuses some nonces with some valid seeds ("invalid seed", about 1 connect
/// in a few hundred, seen in this project's tests), which would fail that connect.
///
/// The seed file is read at each connect and reconnect (so a rotated key is picked up) and the
/// seed never leaves this function. cnats frees the returned signature.
let nkeySignatureCallback: natsSignatureHandler = { customErrorText, signature, signatureLength, nonce, closure in
    let h = hub(closure)
    guard let file = h.seedFile, let nonce, let signature, let signatureLength else { return NATS_ERR }
    guard let text = readSmallFile(file), let key = try? NKeyPair(seed: text),
          let signed = try? key.sign(Array(String(cString: nonce).utf8))
    else {
        customErrorText?.pointee = strdup("cannot sign the connect nonce with the NKey seed in \(file)")
        return NATS_ERR
    }
    guard let buffer = malloc(signed.count)?.assumingMemoryBound(to: UInt8.self) else { return NATS_NO_MEMORY }
    buffer.initialize(from: signed, count: signed.count)
    signature.pointee = buffer
    signatureLength.pointee = Int32(signed.count)
    return NATS_OK
}

/// The text of a file of at most 4 KiB, or nil.
private func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 4097)
    var count = 0
    while count < bytes.count {
        let n = bytes[count...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 { count += n } else if n < 0 && errno == EINTR { continue } else { break }
    }
    defer { for i in 0..<bytes.count { bytes[i] = 0 } }
    guard count <= 4096 else { return nil }
    return String(decoding: bytes[..<count], as: UTF8.self)
}

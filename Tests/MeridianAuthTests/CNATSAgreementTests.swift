import CNATS
import Foundation
import NKeys
import Testing

/// The C client reads the seeds `auth init` writes the same way: wherever cnats' own `nats_Sign`
/// signs, its signature is exactly NKeyPair's. (cnats 3.4.1 also refuses some seed/nonce pairs
/// with "invalid seed", which is why connections sign their nonce in Swift: NKeySigning.swift.)
@Suite struct CNATSAgreementTests {
    @Test("cnats signs with 300 random seeds exactly as NKeyPair does")
    func cnatsAgrees() throws {
        var compared = 0
        for i in 0..<300 {
            let key = NKeyPair.generate(.user)
            let nonce = "nonce-\(i)-\(UUID().uuidString)"
            var signature: UnsafeMutablePointer<UInt8>? = nil
            var length: Int32 = 0
            guard nats_Sign(key.seed, nonce, &signature, &length) == NATS_OK, let signature else { continue }
            defer { free(signature) }
            compared += 1
            #expect(Array(UnsafeBufferPointer(start: signature, count: Int(length))) == (try key.sign(Array(nonce.utf8))),
                    "seed of \(key.publicKey)")
        }
        #expect(compared >= 290)
    }
}

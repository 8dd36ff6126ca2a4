import CNATS
import Foundation
import NKeys
import Testing

@testable import MeridianAuth

/// The C client reads the seeds `auth init` writes: cnats' own `nats_Sign` (what it signs the
/// server's nonce with) gives exactly NKeyPair's Ed25519 signature. cnats 3.4.1 refuses some
/// well-formed seeds (found by this test: about 1 in 150), so `auth init` only keeps seeds it takes.
@Suite struct CNATSAgreementTests {
    @Test("cnats signs with 300 seeds as auth init draws them exactly as NKeyPair does")
    func cnatsAgrees() throws {
        let nonce = "vA8d-nonce-\(UUID().uuidString)"
        for _ in 0..<300 {
            let key = try KeyDirectory.generateUsable()
            var signature: UnsafeMutablePointer<UInt8>? = nil
            var length: Int32 = 0
            let status = nats_Sign(key.seed, nonce, &signature, &length)
            #expect(status == NATS_OK, "seed \(key.seed): \(String(cString: nats_GetLastError(nil)))")
            guard status == NATS_OK, let signature else { continue }
            defer { free(signature) }
            #expect(Array(UnsafeBufferPointer(start: signature, count: Int(length))) == (try key.sign(Array(nonce.utf8))),
                    "seed of \(key.publicKey)")
        }
    }
}

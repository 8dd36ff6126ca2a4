import Foundation
import MeridianAuth
import MeridianTesting
import NKeys
import Testing
import TicketRouting

import Glibc

@Suite("meridian auth init: keys and auth.conf")
struct AuthInitTests {
    @Test("identities: one per role, per region for workers and teams; names parse back")
    func identities() throws {
        let names = Identity.all(regions: try AuthFixtures.config().regions).map(\.name)
        #expect(names == ["admin", "router", "worker-apac", "team-apac", "worker-emea", "team-emea", "monitor", "submitter"])
        for name in names { #expect(Identity(name: name)?.name == name) }
        #expect(Identity(name: "worker-") == nil)
        #expect(Identity(name: "worker-em.ea") == nil)
        #expect(Identity(name: "worker-*") == nil)
        #expect(Identity(name: "root") == nil)
        #expect(Identity(.worker("emea")).inboxPrefix == "_INBOX_worker-emea")
    }

    @Test("writes a 0600 seed per identity and an auth.conf that nats-server 2.9 accepts")
    func writesKeysAndConf() throws {
        let root = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/keys"
        let outcome = try KeyDirectory(path: dir).initialise(config: try AuthFixtures.config())
        #expect(outcome.created.count == 8)
        #expect(outcome.kept.isEmpty)
        #expect(AuthFixtures.mode(dir) == 0o700)
        let conf = try String(contentsOfFile: dir + "/auth.conf", encoding: .utf8)
        #expect(conf.hasPrefix(AuthConf.marker))
        for name in outcome.created {
            let file = "\(dir)/\(name).nk"
            #expect(AuthFixtures.mode(file) == 0o600)
            let key = try KeyDirectory.readSeed(file)
            #expect(key.type == .user)
            // Its public key is in auth.conf, its seed is not.
            #expect(conf.contains("# \(name)\n      { nkey: \(key.publicKey),"))
            #expect(!conf.contains(key.seed))
        }
        let (status, output) = try AuthFixtures.natsServerTest(try AuthFixtures.mainConfig(keys: dir, extra: "jetstream: { store_dir: \"\(dir)/js\" }"))
        #expect(status == 0, "\(output)\n\(conf)")
        #expect(output.contains("is valid"), "\(output)")
    }

    @Test("run again after adding a region: existing keys kept byte for byte, the new region's keys added")
    func rerunKeepsKeys() throws {
        let dir = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try KeyDirectory(path: dir).initialise(config: try AuthFixtures.config())
        let before = try String(contentsOfFile: dir + "/router.nk", encoding: .utf8)
        let outcome = try KeyDirectory(path: dir).initialise(config: try AuthFixtures.config(AuthFixtures.yamlWithAmer))
        #expect(outcome.created == ["worker-amer", "team-amer"])
        #expect(outcome.kept.count == 8)
        #expect(try String(contentsOfFile: dir + "/router.nk", encoding: .utf8) == before)
        let conf = try String(contentsOfFile: dir + "/auth.conf", encoding: .utf8)
        #expect(conf.contains("\"$JS.API.CONSUMER.MSG.NEXT.MERIDIAN_WORK.work-amer-l1\""))
        #expect(try AuthFixtures.natsServerTest(try AuthFixtures.mainConfig(keys: dir, extra: "jetstream: { store_dir: \"\(dir)/js\" }")).0 == 0)
    }

    @Test("refuses a directory open to others, a foreign auth.conf, a readable or foreign key file")
    func refusals() throws {
        let config = try AuthFixtures.config()
        let dir = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }

        chmod(dir, 0o755)
        #expect(throws: KeyFileError("\(dir): the key directory is open to others (mode 755); chmod 700 it")) {
            try KeyDirectory(path: dir).initialise(config: config)
        }
        chmod(dir, 0o700)

        try "authorization { token: x }\n".write(toFile: dir + "/auth.conf", atomically: true, encoding: .utf8)
        #expect(throws: KeyFileError("\(dir)/auth.conf: exists and was not written by `meridian auth init`; not overwriting it (move it away)")) {
            try KeyDirectory(path: dir).initialise(config: config)
        }
        #expect(try String(contentsOfFile: dir + "/auth.conf", encoding: .utf8) == "authorization { token: x }\n")
        unlink(dir + "/auth.conf")

        _ = try KeyDirectory(path: dir).initialise(config: config)
        chmod(dir + "/monitor.nk", 0o644)
        #expect(throws: KeyFileError("\(dir)/monitor.nk: the key file is readable by others (mode 644); chmod 600 it")) {
            try KeyDirectory(path: dir).initialise(config: config)
        }
        chmod(dir + "/monitor.nk", 0o600)

        // An account seed, a public key, garbage: never taken for (or overwritten as) a user's seed.
        let account = NKeyPair.generate(.account)
        for (text, reason) in [
            (account.seed, "an NKey seed, but not a user's (it must start with SU)"),
            (NKeyPair.generate(.user).publicKey, "not an NKey seed: \(NKeyError.malformed)"),
            ("password123\n", "not an NKey seed: \(NKeyError.malformed)"),
        ] {
            try text.write(toFile: dir + "/submitter.nk", atomically: true, encoding: .utf8)
            chmod(dir + "/submitter.nk", 0o600)
            #expect(throws: KeyFileError("\(dir)/submitter.nk: \(reason)")) {
                try KeyDirectory(path: dir).initialise(config: config)
            }
            #expect(try String(contentsOfFile: dir + "/submitter.nk", encoding: .utf8) == text)
        }
    }

    @Test("the command: exit 0 and one line per file; exit 2 with the reason for a bad directory")
    func command() async throws {
        let root = try AuthFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try AuthFixtures.yaml.write(toFile: root + "/meridian.yaml", atomically: true, encoding: .utf8)
        let ok = try await MeridianCLI.run(["auth", "init", "--config", root + "/meridian.yaml", "--out", root + "/keys"])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.stdout.contains("created \(root)/keys/worker-apac.nk\n"))
        #expect(ok.stdout.hasSuffix("wrote   \(root)/keys/auth.conf (8 identities)\n"))
        chmod(root + "/keys", 0o750)
        let bad = try await MeridianCLI.run(["auth", "init", "--config", root + "/meridian.yaml", "--out", root + "/keys"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "error: \(root)/keys: the key directory is open to others (mode 750); chmod 700 it\n")
    }
}

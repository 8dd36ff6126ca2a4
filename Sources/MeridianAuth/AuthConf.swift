public import TicketRouting

/// The nats-server configuration fragment `meridian auth init` writes (`auth.conf`): a
/// `MERIDIAN` account with JetStream, a `SYS` system account, and one user per identity,
/// known by its public NKey, with its allow lists. A production config pulls it in with
/// `include auth.conf`; a connection without a known key is refused.
public enum AuthConf {
    /// The first line of every file `meridian auth init` writes: how it recognises its own files.
    public static let marker = "# Written by `meridian auth init`"
    /// The account every identity belongs to.
    public static let account = "MERIDIAN"
    /// The system account (server events, `$SYS`); no identity belongs to it.
    public static let systemAccount = "SYS"

    /// The text of `auth.conf` for `users` (identity → public NKey).
    /// - Complexity: O(identities × subjects).
    public static func render(users: [(identity: Identity, publicKey: String)], config: MeridianConfig) -> String {
        var out = """
            \(marker) from \(config.file); run it again after changing the regions or tiers.
            # Identities and their grants: Docs/SECURITY.md. Not secret (public keys only).
            accounts: {
              \(account): {
                jetstream: enabled
                users: [

            """
        for (identity, key) in users {
            let p = Grants.permissions(of: identity, config: config)
            out += "      # \(identity.name)\n"
            out += "      { nkey: \(key), permissions: {\n"
            out += "          publish: { allow: \(list(p.publish)) }\n"
            out += "          subscribe: { allow: \(list(p.subscribe)) }\n"
            if p.allowResponses { out += "          allow_responses: true\n" }
            out += "      } }\n"
        }
        out += """
                ]
              }
              \(systemAccount): {}
            }
            system_account: \(systemAccount)

            """
        return out
    }

    private static func list(_ subjects: [String]) -> String {
        "[" + subjects.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}

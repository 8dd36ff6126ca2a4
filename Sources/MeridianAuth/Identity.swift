public import TicketRouting

/// Who connects to NATS: one identity per role, and per region for workers and teams
/// (shared/DESIGN.md, "Identities"). Its ``name`` is the key file's name and its inbox prefix.
public struct Identity: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// What an identity is for.
    public enum Role: Hashable, Sendable {
        /// Creates and updates the streams, consumers and the tickets bucket (`meridian setup`).
        case admin
        /// Routes intake, hands off and escalates (`meridian router`).
        case router
        /// Takes a region's work and keeps its clocks (`meridian worker --region R`).
        case worker(RegionID)
        /// A region's people: ticket actions and the inbox (`meridian ticket`, `meridian inbox`).
        case team(RegionID)
        /// Reads alerts and status; changes nothing (`meridian tail`).
        case monitor
        /// Submits tickets, nothing else (`meridian submit`).
        case submitter
    }

    /// The role.
    public let role: Role

    /// Creates the identity of a role.
    public init(_ role: Role) { self.role = role }

    /// `admin`, `router`, `worker-<region>`, `team-<region>`, `monitor` or `submitter`.
    public var name: String {
        switch role {
        case .admin: "admin"
        case .router: "router"
        case .worker(let region): "worker-\(region.rawValue)"
        case .team(let region): "team-\(region.rawValue)"
        case .monitor: "monitor"
        case .submitter: "submitter"
        }
    }

    /// Reads an identity name; nil for a name that is none of the roles' (the region is not
    /// checked against a config here).
    public init?(name: some StringProtocol) {
        switch name {
        case "admin": self.init(.admin)
        case "router": self.init(.router)
        case "monitor": self.init(.monitor)
        case "submitter": self.init(.submitter)
        default:
            for (prefix, make) in [("worker-", Role.worker), ("team-", Role.team)] where name.hasPrefix(prefix) {
                let region = name.dropFirst(prefix.count)
                guard TicketID.isValid(region) else { return nil }  // the subject-token rule
                self.init(make(RegionID(String(region))))
                return
            }
            return nil
        }
    }

    /// The prefix of this identity's reply subjects, `_INBOX_<name>`: the server lets only
    /// this identity subscribe below it, so nobody else can read its replies.
    public var inboxPrefix: String { "_INBOX_\(name)" }

    /// Every identity of a deployment with these regions, in a stable order.
    public static func all(regions: [RegionID]) -> [Identity] {
        [Identity(.admin), Identity(.router)] + regions.sorted().flatMap { [Identity(.worker($0)), Identity(.team($0))] }
            + [Identity(.monitor), Identity(.submitter)]
    }

    public var description: String { name }

    public static func < (a: Identity, b: Identity) -> Bool { a.name < b.name }
}

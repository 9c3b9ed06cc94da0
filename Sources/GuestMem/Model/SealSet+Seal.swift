extension SealSet {
    /// One seal, with the stable name the wire format spells it by (design.md §2, "Seal names").
    package enum Seal: CaseIterable, Hashable, Sendable {
        case seal, shrink, grow, write, futureWrite, exec, inaccessible, noNewConsumers

        /// The seal's name on the wire: `seal`, `future_write`, `no_new_consumers`, …
        package var name: String {
            switch self {
            case .seal: "seal"
            case .shrink: "shrink"
            case .grow: "grow"
            case .write: "write"
            case .futureWrite: "future_write"
            case .exec: "exec"
            case .inaccessible: "inaccessible"
            case .noNewConsumers: "no_new_consumers"
            }
        }

        /// The set holding just this seal.
        package var set: SealSet {
            switch self {
            case .seal: .seal
            case .shrink: .shrink
            case .grow: .grow
            case .write: .write
            case .futureWrite: .futureWrite
            case .exec: .exec
            case .inaccessible: .inaccessible
            case .noNewConsumers: .noNewConsumers
            }
        }
    }

    /// The set holding exactly `seals`.
    package init(_ seals: some Sequence<Seal>) {
        self = seals.reduce(into: []) { $0.formUnion($1.set) }
    }

    /// The seals in this set, in `Seal.allCases` order.
    package var seals: [Seal] { Seal.allCases.filter { contains($0.set) } }
}

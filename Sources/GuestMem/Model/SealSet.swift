/// A file's seals: add-only. Bits 0–5 are F_SEAL_* (include/uapi/linux/fcntl.h), so F_ADD_SEALS
/// gets them unchanged; service seals sit at 16 and up and never reach the kernel.
package struct SealSet: OptionSet, Hashable, Sendable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let seal = SealSet(rawValue: 0x01)
    package static let shrink = SealSet(rawValue: 0x02)
    package static let grow = SealSet(rawValue: 0x04)
    package static let write = SealSet(rawValue: 0x08)
    package static let futureWrite = SealSet(rawValue: 0x10)
    package static let exec = SealSet(rawValue: 0x20)

    /// The design's guest seal: no content access through the service, page-aligned sizes.
    package static let inaccessible = SealSet(rawValue: 1 << 16)
    /// The reviewers' trap door: no new consumer may attach; existing ones stay.
    package static let noNewConsumers = SealSet(rawValue: 1 << 17)

    static let kernelMask: UInt32 = 0x3f
    static let serviceMask = inaccessible.rawValue | noNewConsumers.rawValue

    /// The F_SEAL_* bits, as F_ADD_SEALS takes them.
    package var kernelBits: UInt32 { rawValue & Self.kernelMask }
    /// The seals only the service enforces.
    package var serviceSeals: SealSet { SealSet(rawValue: rawValue & Self.serviceMask) }
    /// Bits that name no seal at all.
    var unknownBits: UInt32 { rawValue & ~(Self.kernelMask | Self.serviceMask) }
}

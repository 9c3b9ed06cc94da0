/// A seeded generator (SplitMix64), so that a "random" run replays its choices from its seed.
package struct SplitMix: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    package mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// 1 to `most` whole pages inside the first `pages` pages: (offset, length) in bytes.
    package mutating func pageSpan(in pages: Int, most: Int = 16, page: Int64) -> (
        offset: Int64, length: Int64
    ) {
        let first = below(pages)
        return (Int64(first) * page, Int64(1 + below(min(most, pages - first))) * page)
    }
}

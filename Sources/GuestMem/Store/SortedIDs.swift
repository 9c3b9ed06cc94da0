/// A tenant's file ids in order, for cursor pagination that costs the page, not the table:
/// a page is a binary search and a slice. Inserting shifts the array, a memmove of at most
/// 100,000 references (design.md §5's scale), cheaper than a tree's allocations.
struct SortedIDs<ID: Comparable> {
    private(set) var all: [ID] = []

    mutating func insert(_ id: ID) {
        all.insert(id, at: firstIndex { $0 >= id })
    }

    mutating func remove(_ id: ID) {
        let index = firstIndex { $0 >= id }
        if index < all.count, all[index] == id { all.remove(at: index) }
    }

    /// Up to `limit` ids after `cursor` (from the start when nil), and whether more follow.
    /// The cursor need not be present any more: a deleted file's id still marks the place.
    func page(after cursor: ID?, limit: Int) -> (ids: ArraySlice<ID>, hasMore: Bool) {
        let start = cursor.map { cursor in firstIndex { $0 > cursor } } ?? 0
        let end = start + min(limit, all.count - start)
        return (all[start..<end], end < all.count)
    }

    /// The first index where `isAtOrPast` holds; it must hold for every later index too.
    private func firstIndex(where isAtOrPast: (ID) -> Bool) -> Int {
        var (low, high) = (0, all.count)
        while low < high {
            let middle = (low + high) / 2
            if isAtOrPast(all[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

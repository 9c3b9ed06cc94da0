import GuestMem
import TestSupport
import Testing

@Suite(.timeLimit(.scaledMinutes(10)))
struct ByteRangeTests {
    @Test(
        arguments: [
            (-1, 4096, 22), (0, 0, 22), (0, -1, 22), (-4096, -4096, 22), (Int64.max, 1, 27),
            (1, Int64.max, 27), (Int64.max - 4095, 8192, 27),
        ] as [(Int64, Int64, Int32)])
    func impossibleRangeIsRefusedWithTheErrnoFallocateWouldGive(offset: Int64, length: Int64, errno: Int32) {
        let error = #expect(throws: GuestMemError.self) { try ByteRange(offset: offset, length: length) }
        #expect(error?.errno?.rawValue == errno)
    }

    @Test func rangeEndingExactlyAtInt64MaxIsAccepted() throws {
        let range = try ByteRange(offset: Int64.max - 4096, length: 4096)
        #expect(range.end == Int64.max)
    }
}

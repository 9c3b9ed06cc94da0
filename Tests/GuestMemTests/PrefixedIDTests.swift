import GuestMem
import Testing

/// Ids are a kind prefix and 26 characters of lower-case Crockford base 32: anything else is not
/// an id (and a route answers 404, as for an unknown one).
@Suite struct PrefixedIDTests {
    static let alphabet = Set("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    @Test(arguments: 0...255)
    func aBodyOfOneByteIsAnIdExactlyWhenTheByteIsInTheAlphabet(byte: Int) {
        let body = String(decoding: [UInt8](repeating: UInt8(byte), count: 26), as: UTF8.self)

        #expect((FileID("file_" + body) != nil) == Self.alphabet.contains(UInt8(byte)))
    }

    @Test(arguments: [
        "file_0123456789abcdefghjkmnpqr",  // 25 characters
        "file_0123456789abcdefghjkmnpqrst",  // 27
        "File_0123456789abcdefghjkmnpqrs",
        "ten_0123456789abcdefghjkmnpqrs",
        "file_0123456789abcdefghjkmnpqrS",
        "file\u{301}_0123456789abcdefghjkmnpqrs",
        "",
    ])
    func aMisshapenIdIsNone(raw: String) {
        #expect(FileID(raw) == nil)
    }

    @Test func aFreshIdReadsBack() {
        let id = FileID.random()

        #expect(FileID(id.rawValue) == id)
        #expect(TenantID(id.rawValue) == nil)
    }
}

import TestSupport
import Testing

@testable import HTTP

/// zlib through the shim: what a gzip request body decodes to, and what it is refused for.
@Suite(.timeLimit(.scaledMinutes(10)))
struct GzipTests {
    @Test(arguments: [0, 1, 4096, 64 * 1024 + 1, 1 << 20])
    func compressedBytesInflateToTheSameBytes(count: Int) throws {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }

        let coded = try #require(Gzip.compress(bytes, level: 1))

        #expect(Array(coded.prefix(2)) == [0x1f, 0x8b], "not a gzip member (RFC 1952 §2.3.1)")
        #expect(try Gzip.inflate(coded, limit: count) == bytes)
    }

    @Test func zeroPagesShrinkAThousandfoldAndStillInflateWhole() throws {
        let zeros = [UInt8](repeating: 0, count: 16 << 20)

        let coded = try #require(Gzip.compress(zeros, level: 9))

        #expect(coded.count < zeros.count / 500)
        #expect(try Gzip.inflate(coded, limit: zeros.count) == zeros)
    }

    @Test func bombThatInflatesPastTheLimitIs413NotAnAllocation() throws {
        let coded = try #require(Gzip.compress([UInt8](repeating: 0, count: 8 << 20), level: 9))

        let error = #expect(throws: RequestError.self) { try Gzip.inflate(coded, limit: 1 << 20) }

        #expect(error == .contentTooLarge)
        #expect(error?.status == .contentTooLarge)
    }

    enum Damage: String, CaseIterable, Sendable {
        case cutShort, trailingBytes, notGzipAtAll, flippedDataByte

        func apply(_ coded: [UInt8]) -> [UInt8] {
            switch self {
            case .cutShort: return Array(coded.dropLast(9))
            case .trailingBytes: return coded + [0x41]
            case .notGzipAtAll: return Array("{\"name\":\"x\"}".utf8)
            case .flippedDataByte:
                var broken = coded
                broken[12] ^= 0xff
                return broken
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func brokenStreamIs400(damage: Damage) throws {
        let coded = try #require(Gzip.compress(Array("hello, gzip, hello, gzip".utf8), level: 6))

        let error = #expect(throws: RequestError.self) {
            try Gzip.inflate(damage.apply(coded), limit: 1 << 20)
        }

        #expect(error?.status == .badRequest)
    }
}

/// Accept-Encoding (RFC 9110 §12.5.3) as far as gzip goes, and Content-Encoding of a request.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ContentCodingTests {
    @Test(
        arguments: [
            ("gzip", true), ("GZIP", true), ("x-gzip", true), ("deflate, gzip", true), ("gzip;q=0.5", true),
            ("gzip; q=1.0, br", true), ("*", true), ("br, *;q=0.1", true), ("gzip;q=0", false),
            ("gzip;q=0.000", false),
            ("*;q=0", false), ("*, gzip;q=0", false), ("identity", nil), ("br, deflate", nil), ("", nil),
        ] as [(String, Bool?)])
    func acceptEncodingSaysWhatItSaysOfGzip(value: String, expected: Bool?) {
        var value = value
        let preference = value.withUTF8 { AcceptEncoding.gzipPreference(UnsafeRawBufferPointer($0)) }
        #expect(preference == expected)
    }

    @Test(
        arguments: [
            ("gzip", ContentCoding.gzip), ("x-gzip", .gzip), (" Gzip ", .gzip), ("identity", .identity),
            ("br", .unsupported), ("gzip, gzip", .unsupported), ("deflate", .unsupported),
        ] as [(String, ContentCoding)])
    func contentEncodingNamesItsCoding(value: String, expected: ContentCoding) {
        var value = value
        #expect(value.withUTF8 { ContentCoding(UnsafeRawBufferPointer($0)) } == expected)
    }
}

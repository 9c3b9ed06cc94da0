/// A request's `Accept` (RFC 9110 §12.5.1): the media types a client takes, each with its
/// weight. A handler that can answer in more than one type asks it for each type's weight.
package struct AcceptField: Sendable {
    /// One `type/subtype` (either may be `*`), lowercased, and its weight in thousandths.
    private struct MediaRange: Sendable {
        let type: Substring
        let subtype: Substring
        let weight: Int

        /// 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`: the more specific range decides.
        var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

        func matches(_ type: Substring, _ subtype: Substring) -> Bool {
            (self.type == "*" || self.type == type) && (self.subtype == "*" || self.subtype == subtype)
        }
    }

    /// Why a field is not an Accept value; what it holds says which member and why.
    package struct Malformed: Error, Equatable {
        package let reason: String
    }

    /// nil when the request said nothing (no field, or only blank ones): every type is welcome.
    private let ranges: [MediaRange]?

    /// The request's `Accept` field values, joined as one list (RFC 9110 §5.3).
    package init(_ fieldValues: [String]) throws(Malformed) {
        var ranges: [MediaRange] = []
        for value in fieldValues {
            // Empty members (`a, , b`) are allowed and mean nothing (RFC 9110 §5.6.1.2).
            for member in value.lowercased().split(separator: ",") where !Self.trimmed(member).isEmpty {
                ranges.append(try Self.mediaRange(member))
            }
        }
        self.ranges = ranges.isEmpty ? nil : ranges
    }

    /// The weight the client gives `type/subtype` (lowercase), in thousandths: 1000 for q=1, 0 when
    /// not acceptable. It is the weight of the most specific range that covers the type (RFC 9110
    /// §12.5.1); of equally specific ones the highest. A type no range covers is not acceptable.
    package func weight(of type: String, _ subtype: String) -> Int {
        guard let ranges else { return 1000 }
        let type = Substring(type)
        let subtype = Substring(subtype)
        var best: (specificity: Int, weight: Int) = (-1, 0)
        for range in ranges where range.matches(type, subtype) {
            let candidate = (range.specificity, range.weight)
            if candidate > best { best = candidate }
        }
        return best.weight
    }

    /// `type "/" subtype *( OWS ";" OWS parameter )`; of the parameters only `q` counts, and what
    /// follows it is accept-ext, ignored.
    private static func mediaRange(_ member: Substring) throws(Malformed) -> MediaRange {
        let parts = member.split(separator: ";", omittingEmptySubsequences: false).map(trimmed)
        let name = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        guard name.count == 2, isToken(name[0]), isToken(name[1]), name[0] != "*" || name[1] == "*" else {
            throw Malformed(reason: "'\(parts[0])' is not a media range (type/subtype, type/* or */*)")
        }
        var weight = 1000
        for parameter in parts.dropFirst() {
            guard parameter.hasPrefix("q=") else { continue }
            guard let parsed = Self.weight(parameter.dropFirst(2)) else {
                throw Malformed(reason: "'\(parameter)': a weight is 0 to 1 with at most three decimals")
            }
            weight = parsed
            break
        }
        return MediaRange(type: name[0], subtype: name[1], weight: weight)
    }

    /// A qvalue (RFC 9110 §12.4.2), `0[.ddd]` or `1[.000]`, in thousandths; nil if it is not one.
    private static func weight(_ text: Substring) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole == "0" || whole == "1" else { return nil }
        let decimals = parts.count == 2 ? parts[1] : ""
        guard decimals.utf8.count <= 3 else { return nil }
        var value = whole == "1" ? 1000 : 0
        var scale = 100
        for digit in decimals.utf8 {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(ASCII.isTokenByte)
    }

    /// Without leading and trailing SP and HTAB (OWS, RFC 9110 §5.6.3).
    private static func trimmed(_ text: Substring) -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isWhitespace($0) }) else { return text[text.endIndex...] }
        // SAFETY: a non-whitespace character exists, so lastIndex finds one at or after `start`.
        let end = text.lastIndex(where: { !isWhitespace($0) })!
        return text[start...end]
    }
}

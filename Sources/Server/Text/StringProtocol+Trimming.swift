extension StringProtocol {
    /// Without leading and trailing spaces and tabs (RFC 9110 §5.6.3's optional whitespace), and
    /// with `newlines` line ends too (a token file's last line). FoundationEssentials, which gmemd
    /// is built on, has no `trimmingCharacters(in:)`. A slice, not a copy: every request trims its token.
    func trimmingWhitespace(newlines: Bool = false) -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || (newlines && $0.isNewline) }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}

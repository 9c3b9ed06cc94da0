import ArgumentParser

/// A file mode given in octal (`0660`, `660`, `0o660`): permission bits only, no type bits.
struct FileMode: ExpressibleByArgument, Sendable {
    let bits: UInt32

    init(_ bits: UInt32) { self.bits = bits }

    init?(argument: String) {
        let digits = argument.hasPrefix("0o") ? String(argument.dropFirst(2)) : argument
        guard !digits.isEmpty, let bits = UInt32(digits, radix: 8), bits <= 0o7777 else { return nil }
        self.bits = bits
    }

    var defaultValueDescription: String { "0" + String(bits, radix: 8) }
}

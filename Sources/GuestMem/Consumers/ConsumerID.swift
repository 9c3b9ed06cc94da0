/// A consumer's id, `con_…`.
package struct ConsumerID: PrefixedID {
    package static let prefix = "con_"
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A pin's id, `pin_…`.
package struct PinID: PrefixedID {
    package static let prefix = "pin_"
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A VM's id, `vm_…`.
package struct VMID: PrefixedID {
    package static let prefix = "vm_"
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

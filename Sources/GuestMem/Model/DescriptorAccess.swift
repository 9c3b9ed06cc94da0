/// What a descriptor handed to a process may do with the file: its open file description's
/// access mode. Read-only can map PROT_READ only (a PROT_WRITE shared mapping is EACCES) and
/// cannot add seals (F_ADD_SEALS needs write access: EPERM).
package enum DescriptorAccess: Hashable, Sendable {
    case readWrite
    case readOnly
}

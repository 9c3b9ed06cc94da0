/// A CreationReceipt and the object its request made, journaled with that object's file: the
/// file itself, one of its consumers, or a pin of one. The journal keeps it while the object is
/// in the file's record (FileRecord.holds) and gives it back at a restart.
package struct ObjectReceipt: Hashable, Sendable {
    package let object: CreatedObject
    package let receipt: CreationReceipt

    package init(_ object: CreatedObject, _ receipt: CreationReceipt) {
        (self.object, self.receipt) = (object, receipt)
    }
}

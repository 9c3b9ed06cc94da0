import GuestMem

/// A CreationReceipt as gmemd's state keeps it, its answer written out as JSON, not as bytes: a
/// tenant's in tenants.json, and in a file journal's line those of the file, its consumers and
/// their pins, with what each belongs to (`consumer`, and `pin` of that consumer; neither for
/// the file itself).
struct StoredReceipt: Codable {
    var key: String
    var fingerprint: String
    /// Nanoseconds since the epoch: the key's lifetime is counted from here, to the nanosecond.
    var createdAtNs: Int64
    var answer: StoredAnswer
    var consumer: String?
    var pin: String?

    /// nil for a receipt whose answer this gmemd did not write, which it cannot replay anyway.
    init?(_ receipt: CreationReceipt) {
        guard let answer = try? StoredAnswer(bytes: receipt.answer) else { return nil }
        key = receipt.key
        fingerprint = receipt.fingerprint
        createdAtNs = receipt.createdAt.nanosecondsSinceEpoch
        self.answer = answer
    }

    /// `kept` as a file journal's line keeps it; nil for a VM's, which no journal keeps.
    init?(_ kept: ObjectReceipt) {
        self.init(kept.receipt)
        switch kept.object {
        case .file: break
        case .consumer(let id): consumer = id.rawValue
        case .pin(let id, let of): (consumer, pin) = (of.rawValue, id.rawValue)
        case .vm: return nil
        }
    }

    var receipt: CreationReceipt {
        CreationReceipt(
            key: key, fingerprint: fingerprint, answer: answer.bytes,
            createdAt: Timestamp(nanosecondsSinceEpoch: createdAtNs))
    }

    /// The receipt as kept with the file `file`; nil when what it names is not an id.
    func kept(with file: FileID) -> ObjectReceipt? {
        switch (consumer.map { ConsumerID($0) }, pin.map { PinID($0) }) {
        case (nil, nil): ObjectReceipt(.file(file), receipt)
        case (let consumer??, nil): ObjectReceipt(.consumer(consumer), receipt)
        case (let consumer??, let pin??): ObjectReceipt(.pin(pin, of: consumer), receipt)
        default: nil
        }
    }
}

/// File journal lines are written with JSONWriter (StoredFile+JSONWritable).
extension StoredReceipt: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("answer", answer)
            json.member("consumer", ifPresent: consumer)
            json.member("created_at_ns", createdAtNs)
            json.member("fingerprint", fingerprint)
            json.member("key", key)
            json.member("pin", ifPresent: pin)
        }
    }
}

extension StoredAnswer: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("body", body)
            json.member("headers", headers)
            json.member("reason", reason)
            json.member("status", status)
        }
    }
}

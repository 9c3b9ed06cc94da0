/// The file journal's lines are written on every change of a file, some with hundreds of
/// consumers: JSONWriter, not JSONEncoder (measured: about 40 ms for a record of 200 consumers
/// in a debug build through JSONEncoder). Reading them back, once at start, is Codable's.
extension StoredFile: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("consumers", ifPresent: consumers)
            json.member("created_at_ns", createdAtNs)
            json.member("dirty", ifPresent: dirty)
            json.member("dirty_added", ifPresent: dirtyAdded)
            json.member("dirty_granularity", ifPresent: dirtyGranularity)
            json.member("exported", exported)
            json.member("flags", flags)
            json.member("format_major", formatMajor)
            json.member("format_minor", formatMinor)
            json.member("id", id)
            json.member("inode", inode)
            json.member("last_seqs", ifPresent: lastSeqs)
            json.member("name", name)
            json.member("receipts", ifPresent: receipts)
            json.member("seals", seals)
            json.member("seq_leases", ifPresent: seqLeases)
            json.member("size", size)
            json.member("tenant", tenant)
            json.member("updated_at_ns", updatedAtNs)
            json.member("version", version)
            json.member("version_leased", ifPresent: versionLeased)
            json.member("vm", ifPresent: vm)
        }
    }
}

extension StoredFlags: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("allow_sealing", allowSealing)
            json.member("exec", exec)
            json.member("hugetlb", hugetlb)
            json.member("inaccessible", inaccessible)
            json.member("noexec_seal", noexecSeal)
        }
    }
}

extension StoredRange: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("length", length)
            json.member("offset", offset)
        }
    }
}

extension StoredConsumer: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("access", ifPresent: access)
            json.member("attached_at_ns", attachedAtNs)
            json.member("bound", bound)
            json.member("exclusive", exclusive)
            json.member("handed_out", handedOut)
            json.member("id", id)
            json.member("kind", kind)
            json.member("label", ifPresent: label)
            json.member("last_seq", lastSeq)
            json.member("length", length)
            json.member("offset", offset)
            json.member("open_ended", openEnded)
            json.member("pins", pins)
        }
    }
}

extension StoredPin: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("created_at_ns", createdAtNs)
            json.member("id", id)
            json.member("length", length)
            json.member("offset", offset)
            json.member("order", order)
        }
    }
}

extension StoredLease: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("id", id)
            json.member("seq", seq)
        }
    }
}

/// A journal line that says a file was deleted.
struct StoredRemoval: Codable, JSONWritable {
    var formatMajor = StoredFile.major
    var formatMinor = StoredFile.minor
    var removed: String

    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("format_major", formatMajor)
            json.member("format_minor", formatMinor)
            json.member("removed", removed)
        }
    }
}

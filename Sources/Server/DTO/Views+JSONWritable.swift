/// The hot responses written by JSONWriter: files, seals, usage, consumers, events, health.
/// Members go in the order JSONEncoder's `.sortedKeys` puts them; JSONWriterTests holds each
/// view to the bytes JSONEncoder makes of it.

extension FileView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("allocated_bytes", allocatedBytes)
            json.member("backend", backend)
            json.member("created_at", createdAt)
            json.member("flags", flags)
            json.member("id", id)
            json.member("name", name)
            json.member("seals", seals)
            json.member("size", size)
            json.member("updated_at", updatedAt)
            json.member("vm", ifPresent: vm)
        }
    }
}

extension FlagsBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("allow_sealing", ifPresent: allowSealing)
            json.member("exec", ifPresent: exec)
            json.member("hugetlb", ifPresent: hugetlb)
            json.member("inaccessible", ifPresent: inaccessible)
            json.member("init_shared", ifPresent: initShared)
            json.member("mmap", ifPresent: mmap)
            json.member("noexec_seal", ifPresent: noexecSeal)
        }
    }
}

extension Page: JSONWritable where Item: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("items", items)
            json.member("next_cursor", ifPresent: nextCursor)
        }
    }
}

extension Items: JSONWritable where Item: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in json.member("items", items) }
    }
}

extension SealsView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in json.member("seals", seals) }
    }
}

extension WriteView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("size", size)
            json.member("written", written)
        }
    }
}

extension UsageReport: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("limits", limits)
            json.member("usage", usage)
        }
    }
}

extension LimitsBody: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("max_bytes", ifPresent: maxBytes)
            json.member("max_consumers", ifPresent: maxConsumers)
            json.member("max_files", ifPresent: maxFiles)
            json.member("max_locked_bytes", ifPresent: maxLockedBytes)
            json.member("max_vms", ifPresent: maxVms)
        }
    }
}

extension UsageView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("allocated_bytes", allocatedBytes)
            json.member("consumers", consumers)
            json.member("files", files)
            json.member("locked_bytes", lockedBytes)
            json.member("vms", vms)
        }
    }
}

extension ConsumerView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("attached_at", attachedAt)
            json.member("binding", ifPresent: binding)
            json.member("detached_at", ifPresent: detachedAt)
            json.member("exclusive", exclusive)
            json.member("fd", ifPresent: fd)
            json.member("file_id", fileId)
            json.member("id", id)
            json.member("kind", kind)
            json.member("label", ifPresent: label)
            json.member("last_seq", lastSeq)
            json.member("length", ifPresent: length)
            json.member("offset", offset)
            json.member("pins", pins)
            json.member("readers", readers)
            json.member("state", state)
        }
    }
}

extension BindingView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("gpa", gpa)
            json.member("size", size)
            json.member("slot", slot)
            json.member("vm", vm)
        }
    }
}

extension DescriptorView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("access", access)
            json.member("handed_out", handedOut)
        }
    }
}

extension EventView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("at", at)
            json.member("length", ifPresent: length)
            json.member("lost_from", ifPresent: lostFrom)
            json.member("lost_to", ifPresent: lostTo)
            json.member("offset", ifPresent: offset)
            json.member("previous_size", ifPresent: previousSize)
            json.member("reason", ifPresent: reason)
            json.member("seals", ifPresent: seals)
            json.member("seq", seq)
            json.member("size", ifPresent: size)
            json.member("type", type)
        }
    }
}

extension EventBatchView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("detached", detached)
            json.member("events", events)
            json.member("next", next)
        }
    }
}

extension HealthReport: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("backends", backends)
            json.member("huge_pages", hugePages)
            json.member("kernel", kernel)
            json.member("kvm", kvm)
            json.member("memory", ifPresent: memory)
            json.member("page_size", pageSize)
            json.member("restart", restart)
            json.member("status", status)
            json.member("version", version)
        }
    }
}

extension HealthReport.RestartReport: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("files_lost", filesLost)
            json.member("files_restored", filesRestored)
        }
    }
}

extension HealthReport.Backends: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("guest_memfd", guestMemfd)
            json.member("memfd", memfd)
        }
    }
}

extension HealthReport.MemoryReport: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("limit_bytes", limitBytes)
            json.member("reserve_bytes", reserveBytes)
            json.member("source", source)
        }
    }
}

extension HealthReport.Feature: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("available", available)
            json.member("disabled_by_operator", ifPresent: disabledByOperator)
            json.member("reason", ifPresent: reason)
        }
    }
}

extension KVMReport: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.object { json in
            json.member("api_version", ifPresent: apiVersion)
            json.member("available", available)
            json.member("errno", ifPresent: errno)
            json.member("guest_memfd", ifPresent: guestMemfd)
            json.member("guest_memfd_flags", ifPresent: guestMemfdFlags)
            json.member("max_memslots", ifPresent: maxMemslots)
            json.member("reason", ifPresent: reason)
        }
    }
}

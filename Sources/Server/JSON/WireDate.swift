import GuestMem

/// A time in a response, as `WireTime` writes it. JSONWriter writes it straight into the body;
/// a view holding the String instead would make two allocations per time for every GET.
struct WireDate: JSONWritable, Sendable {
    let time: Timestamp

    init(_ time: Timestamp) { self.time = time }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(WireTime.string(time))
    }

    func write(to json: inout JSONWriter) { json.time(time) }
}

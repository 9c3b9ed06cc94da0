import TestSupport

/// The stress log over the wire's types.
typealias RemoteStressLog = StressLog<RemoteConsumer, RemoteEvent>

extension RemoteConsumer: StressConsumer {
    var watchedFile: String { fileId }
    var watchedBytes: Range<Int64> { offset..<(length.map { offset + $0 } ?? .max) }
}

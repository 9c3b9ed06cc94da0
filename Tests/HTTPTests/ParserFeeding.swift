import HTTP
import TestSupport

/// What the parser produced, in a form tests can compare.
enum Outcome: Equatable, CustomStringConvertible {
    case request(
        method: String, target: String, minor: Int, headers: [String], body: [UInt8], keepAlive: Bool)
    case expectContinue
    case reject(Int)

    var description: String {
        switch self {
        case .request(let method, let target, let minor, let headers, let body, let keepAlive):
            "\(method) \(target) 1.\(minor) \(headers) body=\(String(decoding: body, as: UTF8.self)) keepAlive=\(keepAlive)"
        case .expectContinue: "100-continue"
        case .reject(let status): "reject \(status)"
        }
    }
}

/// How the bytes reach the parser.
enum Feeding: CustomStringConvertible, CaseIterable {
    case whole, byteByByte, randomChunks

    var description: String {
        switch self {
        case .whole: "whole"
        case .byteByByte: "one byte at a time"
        case .randomChunks: "random chunks"
        }
    }
}

/// Feeds `text` to a fresh parser as a connection would: unconsumed bytes are kept and passed
/// again with the next piece. Stops at the first refusal.
func parse(_ text: String, feeding: Feeding = .whole, limits: ParserLimits = ParserLimits()) -> [Outcome] {
    parse(Array(text.utf8), feeding: feeding, limits: limits)
}

func parse(_ bytes: [UInt8], feeding: Feeding, limits: ParserLimits = ParserLimits()) -> [Outcome] {
    var parser = RequestParser(limits: limits)
    var pending: [UInt8] = []
    var outcomes: [Outcome] = []
    var random = SplitMix(seed: UInt64(bytes.count))
    var position = 0
    while position < bytes.count {
        let size =
            switch feeding {
            case .whole: bytes.count
            case .byteByByte: 1
            case .randomChunks: Int(random.next() % 7) + 1
            }
        let end = min(bytes.count, position + size)
        pending += bytes[position..<end]
        position = end
        while true {
            let (step, consumed) = pending.withUnsafeBytes { parser.parse($0) }
            pending.removeFirst(consumed)
            switch step {
            case .needMoreBytes: break
            case .head(let expectsContinue):
                if expectsContinue { outcomes.append(.expectContinue) }
                continue
            case .request(let parsed):
                let request = parsed.request
                outcomes.append(
                    .request(
                        method: request.method.rawValue, target: request.target, minor: request.version.minor,
                        headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body,
                        keepAlive: parsed.keepAlive))
                continue
            case .reject(let error):
                outcomes.append(.reject(error.status.code))
                return outcomes
            }
            break
        }
    }
    return outcomes
}

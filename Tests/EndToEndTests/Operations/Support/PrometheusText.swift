import Foundation

/// The Prometheus text exposition format (0.0.4), parsed strictly: a line that is not a comment,
/// a `# HELP`/`# TYPE` line or a well-formed sample fails the parse, and so does a sample whose
/// family has no `# TYPE` before it.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private(set) var samples: [Sample] = []
    private(set) var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                try comment(line)
                continue
            }
            let sample = try Self.sample(line)
            guard types[Self.family(of: sample.name)] != nil || types[sample.name] != nil else {
                throw Malformed(line: line, why: "no # TYPE for its family before it")
            }
            samples.append(sample)
        }
    }

    /// The value of the sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every sample of `name` whose labels include `labels`.
    func samples(_ name: String, matching labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: String
        var why: String
        var description: String { "\(why): \(line.debugDescription)" }
    }

    private mutating func comment(_ line: String) throws {
        let words = line.split(separator: " ", maxSplits: 3).map(String.init)
        guard words.count >= 3, words[1] == "TYPE" || words[1] == "HELP" else { return }
        guard Self.isMetricName(words[2]) else { throw Malformed(line: line, why: "bad metric name") }
        if words[1] == "TYPE" {
            guard words.count == 4,
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3])
            else {
                throw Malformed(line: line, why: "bad TYPE")
            }
            guard types[words[2]] == nil else { throw Malformed(line: line, why: "a second TYPE") }
            types[words[2]] = words[3]
        }
    }

    /// `name{label="value",…} value [timestamp]`.
    private static func sample(_ line: String) throws -> Sample {
        var rest = Substring(line)
        let name = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        guard isMetricName(name) else { throw Malformed(line: line, why: "bad metric name") }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = String(rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                guard !label.isEmpty, !label.first!.isNumber else {
                    throw Malformed(line: line, why: "bad label name")
                }
                rest = rest.dropFirst(label.count)
                guard rest.hasPrefix("=\"") else { throw Malformed(line: line, why: "no =\" after a label") }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first, "\\\"n".contains(escaped) else {
                            throw Malformed(line: line, why: "bad escape")
                        }
                        value.append(escaped == "n" ? "\n" : escaped)
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                guard rest.first == "\"" else { throw Malformed(line: line, why: "unterminated label value") }
                rest = rest.dropFirst()
                guard labels.updateValue(value, forKey: label) == nil else {
                    throw Malformed(line: line, why: "repeated label")
                }
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard rest.first == " ", (1...2).contains(fields.count), let value = number(fields[0]) else {
            throw Malformed(line: line, why: "bad value")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }

    private static func isMetricName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }

    /// The family a histogram's or summary's sample belongs to.
    private static func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            return String(name.dropLast(suffix.count))
        }
        return name
    }
}

/// The request metrics as Prometheus text (exposition format 0.0.4): the counter by route,
/// method and status, and the latency histogram by route and method (statuses summed).
extension RequestMetrics {
    func emit(into text: inout String) {
        let totals = totals().sorted {
            ($0.0.route, $0.0.method, $0.0.status) < ($1.0.route, $1.0.method, $1.0.status)
        }
        guard !totals.isEmpty else { return }
        text += "# HELP \(Self.requestsTotal) Requests answered, by route pattern, method and status.\n"
        text += "# TYPE \(Self.requestsTotal) counter\n"
        for (key, sums) in totals {
            text +=
                "\(Self.requestsTotal){\(labels(key.route, key.method)),status=\"\(key.status)\"} \(sums.count)\n"
        }
        var histograms: [(route: String, method: String, sums: Stripe.Totals)] = []
        for (key, sums) in totals {
            if let last = histograms.last, last.route == key.route, last.method == key.method {
                histograms[histograms.count - 1].sums.add(sums)
            } else {
                histograms.append((key.route, key.method, sums))
            }
        }
        text += "# HELP \(Self.durationSeconds) Time from a request's last byte to its response queued.\n"
        text += "# TYPE \(Self.durationSeconds) histogram\n"
        for (route, method, sums) in histograms {
            let series = labels(route, method)
            var cumulative = 0
            for (index, bound) in Self.bucketBounds.enumerated() {
                cumulative += sums.buckets[index]
                text +=
                    "\(Self.durationSeconds)_bucket{\(series),le=\"\(Self.seconds(bound))\"} \(cumulative)\n"
            }
            text += "\(Self.durationSeconds)_bucket{\(series),le=\"+Inf\"} \(sums.count)\n"
            text += "\(Self.durationSeconds)_sum{\(series)} \(Self.seconds(sums.sumNanoseconds))\n"
            text += "\(Self.durationSeconds)_count{\(series)} \(sums.count)\n"
        }
    }

    private func labels(_ route: String, _ method: String) -> String {
        "route=\"\(Self.escaped(route))\",method=\"\(Self.escaped(method))\""
    }

    /// A label value with `\`, `"` and newlines escaped, as the text format requires.
    static func escaped(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Nanoseconds as seconds in decimal, exactly (`0.00025`, `5`).
    static func seconds(_ nanoseconds: Int) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}

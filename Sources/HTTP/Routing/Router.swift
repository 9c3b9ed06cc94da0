/// Maps a method and a path to a handler. Patterns are literal segments and `{name}`
/// parameters (`/v1/files/{id}/seals`); a parameter matches one non-empty segment.
/// Built once before the server starts, then only read, so it needs no lock.
///
/// Matching runs on every request, so it compares UTF-8 bytes in place: no split, no
/// Substring per segment, and parameters only for a route that has them.
package struct Router: Sendable {
    private var routes: [Route] = []

    package init() {}

    /// Registers `handler` for `method` on `pattern`. HEAD is served by the GET route of the
    /// same path when no HEAD route is registered (RFC 9110 §9.3.2): the server drops the body.
    package mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(Array(part.utf8))
        }
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].handlers.removeAll { $0.method == method }
            routes[index].handlers.append((method, handler))
        } else {
            routes.append(Route(pattern: pattern, segments: segments, handlers: [(method, handler)]))
        }
    }

    /// What the router found for a request.
    package enum Match: Sendable {
        /// `pattern` is the route as registered (`/v1/files/{id}`): what logs and metrics name,
        /// so that ids never become labels.
        case found(Handler, parameters: PathParameters, pattern: String)
        /// The path exists, the method does not: 405 with these in `Allow`.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    /// The route for `path` (origin-form, still percent-encoded, without the query).
    package func match(_ method: HTTPMethod, path: Substring) -> Match {
        var path = path
        return path.withUTF8 { bytes in
            // Segments follow the leading "/"; "/" alone has none, "/a/" has "a" and "".
            guard bytes.first == UInt8(ascii: "/") else { return .notFound }
            let segments = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[1...])
            for route in routes where route.matches(segments) {
                return route.answer(method, segments)
            }
            return .notFound
        }
    }

    private enum Segment: Equatable, Sendable {
        case literal([UInt8])
        case parameter(String)
    }

    private struct Route: Sendable {
        let pattern: String
        let segments: [Segment]
        var handlers: [(method: HTTPMethod, handler: Handler)]

        /// Whether `path` (the bytes after the leading "/") has this route's shape.
        func matches(_ path: UnsafeRawBufferPointer) -> Bool {
            if segments.isEmpty { return path.isEmpty }
            var start = 0
            for (index, segment) in segments.enumerated() {
                guard start <= path.count else { return false }
                let end = Self.segmentEnd(path, from: start)
                // SAFETY: start ≤ end ≤ path.count by segmentEnd's contract.
                let part = UnsafeRawBufferPointer(rebasing: path[start..<end])
                switch segment {
                case .literal(let text): if !text.elementsEqual(part) { return false }
                case .parameter: if part.isEmpty { return false }
                }
                let isLast = index == segments.count - 1
                if isLast { return end == path.count }
                start = end + 1
            }
            return false
        }

        func answer(_ method: HTTPMethod, _ path: UnsafeRawBufferPointer) -> Match {
            let handler =
                handlers.first { $0.method == method }?.handler
                ?? (method == .head ? handlers.first { $0.method == .get }?.handler : nil)
            guard let handler else {
                var allowed = handlers.map(\.method)
                if allowed.contains(.get), !allowed.contains(.head) { allowed.append(.head) }
                return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
            }
            return .found(handler, parameters: parameters(path), pattern: pattern)
        }

        /// The `{name}` values of a path that `matches`.
        private func parameters(_ path: UnsafeRawBufferPointer) -> PathParameters {
            var parameters = PathParameters()
            var start = 0
            for segment in segments {
                let end = Self.segmentEnd(path, from: start)
                if case .parameter(let name) = segment {
                    // SAFETY: `matches` walked the same segments, all within the path.
                    parameters[name] = String(
                        decoding: UnsafeRawBufferPointer(rebasing: path[start..<end]), as: UTF8.self)
                }
                start = end + 1
            }
            return parameters
        }

        /// Index of the "/" ending the segment that starts at `start`, or `path.count`.
        private static func segmentEnd(_ path: UnsafeRawBufferPointer, from start: Int) -> Int {
            var end = start
            while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
            return end
        }
    }
}

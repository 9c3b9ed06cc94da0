/// Maps a method and a path to a handler. Patterns are literal segments and `{name}`
/// parameters (`/v1/files/{id}/seals`); a parameter matches one non-empty segment.
/// Built once before the server starts, then only read, so it needs no lock.
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
            return .literal(String(part))
        }
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].handlers[method] = handler
        } else {
            routes.append(Route(segments: segments, handlers: [method: handler]))
        }
    }

    /// What the router found for a request.
    package enum Match: Sendable {
        case found(Handler, parameters: [String: String])
        /// The path exists, the method does not: 405 with these in `Allow`.
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    package func match(_ method: HTTPMethod, path: Substring) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for route in routes {
            guard let parameters = route.bind(parts) else { continue }
            if let handler = route.handlers[method] ?? (method == .head ? route.handlers[.get] : nil) {
                return .found(handler, parameters: parameters)
            }
            var allowed = Array(route.handlers.keys)
            if route.handlers[.get] != nil, route.handlers[.head] == nil { allowed.append(.head) }
            return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
        }
        return .notFound
    }

    private enum Segment: Equatable, Sendable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        let segments: [Segment]
        var handlers: [HTTPMethod: Handler]

        func bind(_ parts: ArraySlice<Substring>) -> [String: String]? {
            guard parts.count == segments.count else { return nil }
            var parameters: [String: String] = [:]
            for (segment, part) in zip(segments, parts) {
                switch segment {
                case .literal(let text): if part != text { return nil }
                case .parameter(let name):
                    if part.isEmpty { return nil }
                    parameters[name] = String(part)
                }
            }
            return parameters
        }
    }
}

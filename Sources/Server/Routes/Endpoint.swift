import HTTP

/// Turns a route's throwing body into an HTTP handler: a thrown `Problem` becomes its
/// problem+json response, so no route builds an error response by hand.
enum Endpoint {
    /// For routes that never block: they run on the connection's event loop.
    static func onLoop(_ body: @escaping @Sendable (Request) throws(Problem) -> Response) -> Handler {
        .onLoop { request in
            do throws(Problem) { return try body(request) } catch { return error.response }
        }
    }

    /// For routes that may wait on the kernel (fallocate, punch, large copies): off the loops.
    static func offLoop(_ body: @escaping @Sendable (Request) async throws(Problem) -> Response) -> Handler {
        .offLoop { request in
            do throws(Problem) { return try await body(request) } catch { return error.response }
        }
    }
}

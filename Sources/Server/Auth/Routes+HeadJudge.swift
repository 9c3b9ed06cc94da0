import HTTP

extension Routes {
    /// Judges a request's head before its body is read: every route but the health check takes
    /// a token, so a body sent without a valid one is 401 before a byte of it is kept, and no
    /// `100 Continue` invites it (the isolation issue measured 16 unauthenticated 63 MiB bodies
    /// taking RSS from 28 MB to 1.1 GB). The handler checks the token again, as for any request.
    /// A JSON body declared larger than `maxJSONBytes` is 413 from its head too: no route needs
    /// more, and decoding a 64 MiB seals array took 7.7 s and 1.4 GB. A chunked one is 413 once
    /// it passes them: read whole on the loop before it was refused, two 64 MiB ones at once
    /// held another tenant's GET up to 50 ms (p99 28.6 ms, isolation-bench.py).
    var headJudge: HeadJudge {
        { [auth, maxJSONBytes] head, route in
            guard route != "/v1/health" else { return .admit }
            do throws(Problem) {
                _ = try auth.caller(of: head)
            } catch {
                return .refuse(error.response)
            }
            guard route != Self.contentRoute else { return .admit }
            guard let declared = head.headers["Content-Length"].flatMap(Int.init), declared > maxJSONBytes
            else { return .admitUpTo(maxJSONBytes) }
            // The same answer the HTTP layer gives a body past --max-body-bytes.
            return .refuse(
                ProblemResponse.make(
                    .tooLarge, .contentTooLarge,
                    detail: "a JSON body is at most \(maxJSONBytes) bytes (--max-json-bytes)"))
        }
    }

    /// Judges a request on one of the connections kept past `--max-connections`: the admin's
    /// alone are served there, so that the admin can still delete the tenant that holds every
    /// other connection (the isolation issue); the rest are 503.
    var reserveJudge: ReserveJudge {
        { [auth] head in
            guard case .admin? = try? auth.caller(of: head) else { return false }
            return true
        }
    }

    /// The one route whose body is not JSON: content uploads, up to `--max-body-bytes`.
    static let contentRoute = "/v1/files/{fid}/content"
}

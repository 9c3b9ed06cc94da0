import GuestMem
import HTTP

/// Checks bearer tokens. A tenant token is `TENANT_ID.SECRET`: the id finds the tenant's stored
/// digest, and the secret's digest is compared in constant time, so a lookup never leaks which
/// prefix of a secret was right. An unknown id is compared against `unknownTenantDigest`, so it
/// costs what a known id with a wrong secret costs and does not tell whether the id exists.
///
/// A connection remembers the last Authorization header it proved and who it proved
/// (`CredentialMemo`): its next request sending the same bytes is that caller without a digest,
/// while no tenant was removed since (the directory's `credentialEpoch`). Keep-alive clients send
/// one token on every request, and its SHA-256 and strings were 12% of a GET's CPU.
struct Authenticator: Sendable {
    let adminDigest: String
    let tenants: TenantDirectory
    /// The digest of a secret nobody knows, made at start.
    private let unknownTenantDigest = Secret.digest(Secret.random())

    init(adminDigest: String, tenants: TenantDirectory) {
        (self.adminDigest, self.tenants) = (adminDigest, tenants)
    }

    /// The caller behind the request's `Authorization: Bearer …`, or 401.
    func caller(of request: Request) throws(Problem) -> Caller {
        guard let header = request.headers["Authorization"] else { throw .unauthorized }
        // Read before the token is looked up: a removal after this moves the epoch past it, so
        // what a lookup that still found the tenant proves is never trusted after the removal.
        let epoch = tenants.credentialEpoch
        if let memo = request.connectionMemo?.recall() as? CredentialMemo, memo.epoch == epoch,
            memo.matches(header)
        {
            return memo.caller
        }
        let caller = try verify(header)
        request.connectionMemo?.keep(CredentialMemo(header: header, caller: caller, epoch: epoch))
        return caller
    }

    /// The caller `header` proves, checked the long way. A token shaped like a tenant's is
    /// checked as one first, so a request digests its token once, not twice.
    private func verify(_ header: String) throws(Problem) -> Caller {
        guard header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else { throw .unauthorized }
        let token = header.dropFirst(7).trimmingWhitespace()
        if let dot = token.firstIndex(of: "."), let id = TenantID(String(token[..<dot])) {
            let stored = tenants.credentialDigest(of: id)
            let matches = Secret.digestsMatch(
                Secret.digest(token[token.index(after: dot)...]), stored ?? unknownTenantDigest)
            if matches, stored != nil { return .tenant(id) }
        }
        guard Secret.digestsMatch(Secret.digest(token), adminDigest) else { throw .unauthorized }
        return .admin
    }

    /// The tenant behind the request; the admin token on a tenant route is 403.
    func tenant(of request: Request) throws(Problem) -> TenantID {
        switch try caller(of: request) {
        case .tenant(let id): return id
        case .admin:
            throw Problem(
                .forbidden, detail: "this route is for a tenant token; the admin token owns no files")
        }
    }

    /// Passes only the admin token; a tenant token on an admin route is 403.
    func requireAdmin(_ request: Request) throws(Problem) {
        guard case .admin = try caller(of: request) else { throw .forbidden }
    }
}

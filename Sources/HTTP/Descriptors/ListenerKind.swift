/// Which listener a request came in on: what its connection can carry. Only a Unix-domain
/// connection passes file descriptors (SCM_RIGHTS); TLS and plain TCP carry bytes alone.
package enum ListenerKind: Sendable, Equatable {
    case tcp
    case tls
    case unix
}

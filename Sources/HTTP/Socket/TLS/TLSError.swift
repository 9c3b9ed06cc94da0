/// Why a TLS context could not be made: the file and OpenSSL's own words for what is wrong with it.
package struct TLSError: Error, CustomStringConvertible, Sendable {
    package let description: String
}

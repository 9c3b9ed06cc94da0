import Foundation
import GuestMem
import HTTP

/// libFuzzer target for every JSON request body (scripts/fuzz.sh builds it with swiftc
/// -sanitize=fuzzer,address beside Server's DTO, JSON and Problem sources, over the modules a
/// `swift build` made). The first byte of an input picks the route, the rest is its body, decoded
/// as the route decodes it (`Request.decodeJSON`) and checked as the route checks it before the
/// domain sees it. It must end in a value or in a problem a body can cause (400, 413, 415, 422),
/// never a trap or another status; the same bytes must end the same way twice; where the flat
/// decoder (FlatJSONDecoder) answers for a body, JSONDecoder must decode it to the same value;
/// and a body the
/// JSONLimits scan lets through must not be deeper, or hold a longer array, than its limits say,
/// as JSONSerialization reads it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let route = BodyRoute.allCases[Int(data[0]) % BodyRoute.allCases.count]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let first = route.outcome(of: body)
    let second = route.outcome(of: body)
    require(first == second, "\(route): the same body ended two ways: \(first), then \(second)")
    route.requireFlatDecoderAgrees(on: body)
    if case .refused(let status, let detail) = first {
        require([400, 413, 415, 422].contains(status), "\(route): \(status) \(detail)")
    }
    if (try? route.limits.check(body)) != nil,
        let tree = try? JSONSerialization.jsonObject(
            with: Data(body), options: .fragmentsAllowed)
    {
        let shape = Shape(of: tree)
        require(shape.depth <= route.limits.depth, "\(route): the scan let depth \(shape.depth) through")
        require(
            shape.longestArray <= route.limits.arrayItems,
            "\(route): the scan let an array of \(shape.longestArray) through")
    }
    return 0
}

/// A failed check, said on stderr before the trap: an -O build's precondition drops its message.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    FileHandle.standardError.write(Data("JSONFuzz: \(message())\n".utf8))
    abort()
}

/// How a body ended: the value the route would hand the domain, described, or its refusal.
enum Outcome: Equatable {
    case accepted(String)
    case refused(Int, String)
}

/// Every route that takes a JSON body, with the checks it makes before its domain call.
enum BodyRoute: CaseIterable {
    case createTenant, updateTenant, createFile, resizeFile, addSeals, fallocate, attach, pin, createVM

    var limits: JSONLimits {
        switch self {
        case .createTenant: CreateTenantBody.jsonLimits
        case .updateTenant: UpdateTenantBody.jsonLimits
        case .createFile: CreateFileBody.jsonLimits
        case .resizeFile: ResizeFileBody.jsonLimits
        case .addSeals: AddSealsBody.jsonLimits
        case .fallocate: FallocateBody.jsonLimits
        case .attach: AttachConsumerBody.jsonLimits
        case .pin: PinBody.jsonLimits
        case .createVM: CreateVMBody.jsonLimits
        }
    }

    func outcome(of body: [UInt8]) -> Outcome {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        let request = Request(method: .post, target: "/", headers: headers, body: body)
        do throws(Problem) {
            return .accepted(try checked(request))
        } catch {
            return .refused(error.status, error.detail)
        }
    }

    private func checked(_ request: Request) throws(Problem) -> String {
        switch self {
        case .createTenant:
            let body = try request.decodeJSON(CreateTenantBody.self)
            return "\(body.name) \(String(describing: body.limits?.applied(to: .default)))"
        case .updateTenant:
            return "\(try request.decodeJSON(UpdateTenantBody.self).limits.applied(to: .default))"
        case .createFile:
            let body = try request.decodeJSON(CreateFileBody.self)
            if body.adopt { return "adopt \(body.name)" }
            switch Backend(wireName: body.backend ?? Backend.memfd.wireName) {
            case .memfd:
                return
                    "\(body.name) \(try (body.flags ?? FlagsBody()).memfdFlags()) \(try body.requiredSize())"
            case .guestMemfd:
                let flags = try (body.flags ?? FlagsBody()).guestMemfdFlags()
                return "\(body.name) \(flags) \(try body.requiredSize()) \(String(describing: body.vm))"
            case nil: throw .unprocessable("backend must be memfd or guest_memfd")
            }
        case .resizeFile:
            return "\(try request.decodeJSON(ResizeFileBody.self).validSize())"
        case .addSeals:
            return "\(try SealNames.set(request.decodeJSON(AddSealsBody.self).seals))"
        case .fallocate:
            let body = try request.decodeJSON(FallocateBody.self)
            let mode = try body.fallocateMode()
            return "\(mode) \(try range(body.offset, body.length))"
        case .attach:
            return "\(try request.decodeJSON(AttachConsumerBody.self).request())"
        case .pin:
            let body = try request.decodeJSON(PinBody.self)
            return "\(try range(body.offset, body.length)) \(String(describing: body.allocate))"
        case .createVM:
            // The route takes an empty body for a VM without a name.
            if request.body.isEmpty { return "unnamed" }
            return "\(String(describing: try request.decodeJSON(CreateVMBody.self).name))"
        }
    }

    /// Where FlatJSONDecoder answers for `body`, JSONDecoder decodes it to the same value.
    func requireFlatDecoderAgrees(on body: [UInt8]) {
        switch self {
        case .createTenant: agree(CreateTenantBody.self, body)
        case .updateTenant: agree(UpdateTenantBody.self, body)
        case .createFile: agree(CreateFileBody.self, body)
        case .resizeFile: agree(ResizeFileBody.self, body)
        case .addSeals: agree(AddSealsBody.self, body)
        case .fallocate: agree(FallocateBody.self, body)
        case .attach: agree(AttachConsumerBody.self, body)
        case .pin: agree(PinBody.self, body)
        case .createVM: agree(CreateVMBody.self, body)
        }
    }

    private func agree<T: JSONBody>(_: T.Type, _ body: [UInt8]) {
        guard let flat = FlatJSONDecoder.decode(T.self, from: body) else { return }
        let foundation = Result { () throws(Problem) in try Request.decodeWithFoundation(T.self, from: body) }
        require(
            "\(foundation)" == "\(Result<T, Problem>.success(flat))",
            "\(self): the flat decoder read \(flat), JSONDecoder \(foundation)")
    }

    private func range(_ offset: Int64, _ length: Int64) throws(Problem) -> ByteRange {
        do throws(GuestMemError) {
            return try ByteRange(offset: offset, length: length)
        } catch {
            throw Problem(error)
        }
    }
}

/// How deep a decoded JSON value nests (`{"a":1}` is 1, a scalar 0) and its longest array.
struct Shape {
    var depth = 0
    var longestArray = 0

    init(of value: Any) {
        if let array = value as? [Any] {
            longestArray = array.count
            for item in array { take(Shape(of: item)) }
            depth += 1
        } else if let object = value as? [String: Any] {
            for item in object.values { take(Shape(of: item)) }
            depth += 1
        }
    }

    private mutating func take(_ inner: Shape) {
        depth = max(depth, inner.depth)
        longestArray = max(longestArray, inner.longestArray)
    }
}

import CCurl
import Dispatch
import Foundation
import Locking

/// Sends HTTP requests with libcurl. Easy handles are pooled so connections are reused;
/// each blocking transfer runs on a thread of its own, never on Swift's cooperative pool.
public final class CurlTransport: Sendable {
    public let options: TransportOptions
    private let idleHandles = Locked<[EasyHandle]>([])

    /// The largest body collected in memory (manifests, tokens, tag lists); larger ones must stream to a sink.
    public static let collectLimit = 16 * 1024 * 1024
    static let errorBodyLimit = 64 * 1024

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    public init(options: TransportOptions) {
        _ = Self.globalInit
        self.options = options
    }

    deinit {
        for handle in idleHandles.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }

    /// Sends `request`; a 2xx body goes to `sink` when given, else it is collected into the response.
    /// Throws `TransportError` when no HTTP response arrived (connection, TLS, timeouts).
    public func send(_ request: HTTPRequest, sink: (any ResponseBodySink)? = nil) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            // A thread of its own: libdispatch's global queue runs only as many blocking
            // items at once as there are cores, which would cap parallel transfers at two.
            let thread = Thread {
                continuation.resume(with: Result { try self.perform(request, sink: sink) })
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }

    /// Sends `request` on the calling thread, blocking it until the transfer ends.
    public func perform(_ request: HTTPRequest, sink: (any ResponseBodySink)?) throws -> HTTPResponse {
        let handle = checkOut()
        defer { checkIn(handle) }
        let state = TransferState(sink: sink)
        let h = handle.pointer
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        if let token = request.awsSignature?.sessionToken { headerList = curl_slist_append(headerList, "x-amz-security-token: \(token)") }
        // No `Expect: 100-continue` wait. A signed request keeps it: libcurl 7.88 signs every header it is given,
        // this empty one included, which it then does not send, so the server's signature would differ.
        if request.awsSignature == nil { headerList = curl_slist_append(headerList, "Expect:") }

        configure(h, for: request)
        airlock_curl_set_slist(h, CURLOPT_HTTPHEADER, headerList)
        let context = Unmanaged.passRetained(state)
        defer { context.release() }
        airlock_curl_set_pointer(h, CURLOPT_HEADERDATA, context.toOpaque())
        airlock_curl_set_pointer(h, CURLOPT_WRITEDATA, context.toOpaque())
        airlock_curl_set_data_cb(h, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        airlock_curl_set_data_cb(h, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        if let upload = request.upload {
            state.reader = try upload.open()
            airlock_curl_set_pointer(h, CURLOPT_READDATA, context.toOpaque())
            airlock_curl_set_data_cb(h, CURLOPT_READFUNCTION, curlReadCallback)
        }

        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            airlock_curl_set_pointer(h, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            let result = curl_easy_perform(h)
            airlock_curl_set_pointer(h, CURLOPT_ERRORBUFFER, nil)
            return result
        }
        if let sinkError = state.sinkError { throw sinkError }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TransportError(code: Int(code.rawValue), url: request.url,
                                 detail: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail,
                                 bytesReceived: state.bodyBytes)
        }
        var effective: UnsafeMutablePointer<CChar>? = nil
        airlock_curl_get_string(h, CURLINFO_EFFECTIVE_URL, &effective)
        if let sink, (200..<300).contains(state.status), !state.begun {
            try sink.begin(status: state.status, headers: state.headers)
        }
        return HTTPResponse(status: state.status, headers: state.headers,
                            body: (200..<300).contains(state.status) ? state.collected : state.errorBody,
                            url: effective.map { String(cString: $0) } ?? request.url)
    }

    private func configure(_ h: UnsafeMutableRawPointer, for request: HTTPRequest) {
        airlock_curl_set_string(h, CURLOPT_URL, request.url)
        airlock_curl_set_long(h, CURLOPT_NOSIGNAL, 1)
        airlock_curl_set_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
        airlock_curl_set_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        airlock_curl_set_long(h, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        airlock_curl_set_long(h, CURLOPT_MAXREDIRS, 10)
        airlock_curl_set_long(h, CURLOPT_CONNECTTIMEOUT, options.connectTimeout)
        airlock_curl_set_long(h, CURLOPT_LOW_SPEED_LIMIT, 1)
        airlock_curl_set_long(h, CURLOPT_LOW_SPEED_TIME, options.stallTimeout)
        airlock_curl_set_long(h, CURLOPT_TCP_KEEPALIVE, 1)
        airlock_curl_set_long(h, CURLOPT_BUFFERSIZE, 256 * 1024)
        airlock_curl_set_string(h, CURLOPT_USERAGENT, options.userAgent)
        if options.debug { airlock_curl_set_long(h, CURLOPT_VERBOSE, 1) }
        if let caFile = options.caFile {
            airlock_curl_set_string(h, CURLOPT_CAINFO, caFile)
            airlock_curl_set_string(h, CURLOPT_CAPATH, "/etc/ssl/certs")
        }
        if let signature = request.awsSignature {
            airlock_curl_set_string(h, CURLOPT_AWS_SIGV4, signature.provider)
            airlock_curl_set_string(h, CURLOPT_USERNAME, signature.accessKey)
            airlock_curl_set_string(h, CURLOPT_PASSWORD, signature.secretKey)
        }
        if let cert = options.clientCertificate { airlock_curl_set_string(h, CURLOPT_SSLCERT, cert) }
        if let key = options.clientKey { airlock_curl_set_string(h, CURLOPT_SSLKEY, key) }
        if !options.verifyTLS {
            airlock_curl_set_long(h, CURLOPT_SSL_VERIFYPEER, 0)
            airlock_curl_set_long(h, CURLOPT_SSL_VERIFYHOST, 0)
        }
        switch request.method {
        case .get: airlock_curl_set_long(h, CURLOPT_HTTPGET, 1)
        case .head: airlock_curl_set_long(h, CURLOPT_NOBODY, 1)
        default: airlock_curl_set_string(h, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        if let upload = request.upload {
            airlock_curl_set_long(h, CURLOPT_UPLOAD, 1)
            airlock_curl_set_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload.length))
            airlock_curl_set_string(h, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        } else if request.method != .get && request.method != .head {
            let body = request.body ?? Data()
            airlock_curl_set_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            _ = body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call.
                airlock_curl_set_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)))
            }
        }
    }

    private func checkOut() -> EasyHandle {
        if let handle = idleHandles.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle
        }
        guard let pointer = curl_easy_init() else { fatalError("libcurl could not allocate a handle (out of memory)") }
        return EasyHandle(pointer: pointer)
    }

    private func checkIn(_ handle: EasyHandle) {
        idleHandles.withLock { $0.append(handle) }
    }
}

/// A libcurl easy handle; used by one transfer at a time.
struct EasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// What the callbacks of one transfer share: headers of the latest response, and where the body goes.
final class TransferState {
    var status = 0
    var headers = HTTPHeaders()
    var collected = Data()
    var errorBody = Data()
    var bodyBytes: Int64 = 0
    var begun = false
    var sinkError: (any Error)?
    let sink: (any ResponseBodySink)?
    /// The upload body's reader, when the request streams one.
    var reader: (any UploadReader)?

    init(sink: (any ResponseBodySink)?) { self.sink = sink }

    func header(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response (after a redirect or a 100 Continue): start over.
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HTTPHeaders()
        } else if let colon = trimmed.firstIndex(of: ":") {
            headers.append(name: String(trimmed[..<colon]),
                           value: trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// Returns false to abort the transfer.
    func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard (200..<300).contains(status) else {
            if errorBody.count < CurlTransport.errorBodyLimit { errorBody.append(contentsOf: bytes.prefix(CurlTransport.errorBodyLimit - errorBody.count)) }
            return true
        }
        bodyBytes += Int64(bytes.count)
        do {
            if let sink {
                if !begun { begun = true; try sink.begin(status: status, headers: headers) }
                try sink.write(bytes)
            } else {
                guard collected.count + bytes.count <= CurlTransport.collectLimit else {
                    throw TransportError(code: -1, url: "", detail: "response body over \(CurlTransport.collectLimit) bytes", bytesReceived: bodyBytes)
                }
                collected.append(contentsOf: bytes)
            }
            return true
        } catch {
            sinkError = error
            return false
        }
    }
}

private func curlReadCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return Int(CURL_READFUNC_ABORT) }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    guard let reader = state.reader else { return 0 }
    do {
        return try reader.read(into: UnsafeMutableRawBufferPointer(start: data, count: size * count))
    } catch {
        state.sinkError = error
        return Int(CURL_READFUNC_ABORT)
    }
}

private func curlHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    state.header(line: line)
    return length
}

private func curlWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return state.body(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

import HTTPTypes
import Hummingbird
import Trail

/// A Hummingbird middleware built on Trail's framework-agnostic ``HTTPServerTracing``: every
/// request runs inside a SERVER span that continues the caller's trace, named `METHOD route` once
/// the router has matched the route, with the response status recorded and `traceresponse` /
/// `x-trace-id` added to the response.
///
/// Add it first, so that it wraps everything else: `router.middlewares.add(TraceMiddleware(tracing))`.
/// The span ends when the handler has produced the response (before the body is written).
struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracing: HTTPServerTracing

    init(_ tracing: HTTPServerTracing) { self.tracing = tracing }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let description = HTTPServerRequest(
            method: request.method.rawValue,
            target: request.head.path ?? "/",
            scheme: request.head.scheme ?? "http",
            clientAddress: (context as? ServiceRequestContext)?.clientAddress)
        return try await tracing.handle(description, headers: HTTPFieldsCarrier(request.head)) { server in
            var response: Response
            do {
                response = try await next(request, context)
            } catch let error as any HTTPResponseError {
                // What Hummingbird would answer; answered here so the span sees the status.
                response = try error.response(from: request, context: context)
            }
            if let route = context.endpointPath { server.setRoute(route) }
            server.recordResponse(statusCode: Int(response.status.code))
            for field in server.responseHeaders {
                if let name = HTTPField.Name(field.name) { response.headers[name] = field.value }
            }
            return response
        }
    }
}

/// A request context that remembers the peer's address, for `client.address`.
struct ServiceRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientAddress: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// Hummingbird's request head as a Trail ``HeaderCarrier``: every field, repeated names included
/// (a repeated `traceparent` must be seen to be rejected).
///
/// swift-http-types moves an HTTP/1.1 `Host` field into the request's `authority`; it is offered
/// again as `host`, where the server helper reads `server.address` and `server.port`.
struct HTTPFieldsCarrier: HeaderCarrier {
    var fields: HTTPFields
    let authority: String?

    init(_ head: HTTPRequest) {
        fields = head.headerFields
        authority = head.authority
    }

    func values(forHeader name: String) -> [String] {
        guard let fieldName = HTTPField.Name(name) else { return [] }
        let values = fields[values: fieldName]
        if values.isEmpty, name.lowercased() == "host", let authority { return [authority] }
        return values
    }

    mutating func setHeader(_ name: String, _ value: String) {
        guard let fieldName = HTTPField.Name(name) else { return }
        fields[fieldName] = value
    }

    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for field in fields { body(field.name.rawName, field.value) }
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Foundation
import Testing
import Trail

@Suite struct CarrierTests {
    @Test func aDictionaryIsReadIgnoringTheCaseOfNames() {
        let headers = ["Content-Type": "text/plain", "TraceParent": "x"]
        #expect(headers.values(forHeader: "traceparent") == ["x"])
        #expect(headers.values(forHeader: "TRACEPARENT") == ["x"])
        #expect(headers.values(forHeader: "tracestate") == [])
        #expect(headers.firstValue(forHeader: "content-type") == "text/plain")
    }

    @Test func dictionaryKeysThatDifferOnlyInCaseCountAsRepeatedFields() {
        let headers = ["b3": "1", "B3": "2"]
        #expect(headers.values(forHeader: "b3").sorted() == ["1", "2"])
    }

    @Test func settingADictionaryHeaderReplacesEveryCaseVariant() {
        var headers = ["TraceParent": "a", "TRACEPARENT": "b", "other": "c"]
        headers.setHeader("traceparent", "new")
        #expect(headers == ["traceparent": "new", "other": "c"])
    }

    @Test func aHeaderListKeepsOrderAndRepeatedNames() {
        let headers: HTTPHeaderList = [("X-B3-TraceId", "1"), ("Accept", "*/*"), ("x-b3-traceid", "2")]
        #expect(headers.values(forHeader: "X-B3-TRACEID") == ["1", "2"])
        #expect(headers["x-b3-traceid"] == "1")
        #expect(headers.count == 3)
        #expect(headers.map(\.name) == ["X-B3-TraceId", "Accept", "x-b3-traceid"])
    }

    @Test func settingAHeaderListFieldReplacesTheFirstAndRemovesTheOthers() {
        var headers: HTTPHeaderList = [("A", "1"), ("B", "2"), ("a", "3")]
        headers.setHeader("a", "9")
        #expect(headers.fields == [.init(name: "a", value: "9"), .init(name: "B", value: "2")])
        headers.setHeader("c", "4")
        #expect(headers.fields.last == .init(name: "c", value: "4"))
        headers.append("c", "5")
        #expect(headers.values(forHeader: "C") == ["4", "5"])
        headers.removeAll(named: "C")
        #expect(headers.values(forHeader: "c") == [])
    }

    @Test func everyHeaderIsVisitedInOrder() {
        let headers: HTTPHeaderList = [("a", "1"), ("b", "2")]
        var seen: [String] = []
        headers.forEachHeader { name, value in seen.append("\(name)=\(value)") }
        #expect(seen == ["a=1", "b=2"])
    }

    @Test func aURLRequestIsACarrierWithCaseInsensitiveNames() throws {
        var request = URLRequest(url: try #require(URL(string: "http://localhost/")))
        request.setHeader("TraceParent", "x")
        #expect(request.values(forHeader: "traceparent") == ["x"])
        request.setHeader("traceparent", "y")
        #expect(request.values(forHeader: "TRACEPARENT") == ["y"])
        var names: [String] = []
        request.forEachHeader { name, _ in names.append(name.lowercased()) }
        #expect(names == ["traceparent"])
    }

    @Test func traceContextTravelsThroughAURLRequest() throws {
        var request = URLRequest(url: try #require(URL(string: "http://localhost/")))
        let spanContext = SpanContext(traceID: TraceID(high: 7, low: 8), spanID: SpanID(9), traceFlags: .sampled)
        let context = Context(span: Span(remote: spanContext), baggage: try Baggage().setting("user", "ada lovelace"))
        CompositePropagator.default.inject(context, into: &request)
        #expect(request.value(forHTTPHeaderField: "traceparent") == spanContext.traceparent)
        #expect(request.value(forHTTPHeaderField: "baggage") == "user=ada%20lovelace")
        let received = CompositePropagator.default.extract(from: request)
        #expect(received.spanContext?.traceID == spanContext.traceID)
        #expect(received.baggage["user"] == "ada lovelace")
    }

    @Test func aFoldedURLRequestHeaderIsReadAsOneValue() throws {
        var request = URLRequest(url: try #require(URL(string: "http://localhost/")))
        request.addValue(W3CTraceContextTests.valid, forHTTPHeaderField: "traceparent")
        request.addValue(W3CTraceContextTests.valid, forHTTPHeaderField: "traceparent")
        #expect(request.values(forHeader: "traceparent").count == 1)
        #expect(TraceContextPropagator().extract(from: request).span == nil)
    }
}

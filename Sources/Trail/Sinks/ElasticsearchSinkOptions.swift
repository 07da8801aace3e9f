import Foundation

extension ElasticsearchSink {
    /// Where and how an ``ElasticsearchSink`` sends lines. Only ``url`` is required.
    public struct Options: Sendable {
        /// Elasticsearch's base URL, such as `http://localhost:9200`; `/_bulk` is appended unless
        /// the URL already ends with it. User info in the URL is used as basic auth when
        /// ``credentials`` is `nil`, and never appears in messages.
        public var url: URL
        /// The data stream every line goes to. `nil` (the default): `logs-<dataset>-<namespace>`,
        /// the dataset being ``serviceName`` (else the line's `service.name`, else `generic`) in
        /// lowercase with `-` and characters an index name cannot have replaced by `_`. Names that
        /// start with `logs-` match Elasticsearch's built-in `logs-*-*` template, which creates the
        /// data stream on first write.
        public var dataStream: String?
        /// The service name for the default data stream's dataset.
        public var serviceName: String?
        /// The namespace part of the default data stream name. Default `default`.
        public var namespace: String
        /// An API key (``HTTPCredentials/apiKey(_:)``, the `encoded` value Elasticsearch returns)
        /// or basic credentials.
        public var credentials: HTTPCredentials?
        /// More request headers.
        public var headers: [String: String]
        /// Gzips request bodies (`Content-Encoding: gzip`, which Elasticsearch accepts). On by
        /// default.
        public var gzip: Bool
        /// How long one `_bulk` request may take. URLSession on Linux counts whole seconds, so it is
        /// rounded up to one at least; the writer's `writeTimeout` bounds a request too.
        public var timeout: Duration

        /// Options for Elasticsearch at `url`; every other setting has the default documented on its
        /// property (data stream `logs-<service>-default`, gzip on, timeout 10 s).
        public init(
            url: URL, dataStream: String? = nil, serviceName: String? = nil, namespace: String = "default",
            credentials: HTTPCredentials? = nil, headers: [String: String] = [:], gzip: Bool = true,
            timeout: Duration = .seconds(10)
        ) {
            self.url = url
            self.dataStream = dataStream
            self.serviceName = serviceName
            self.namespace = namespace
            self.credentials = credentials
            self.headers = headers
            self.gzip = gzip
            self.timeout = timeout
        }
    }

    /// A sink configured from the environment, or `nil` when `ELASTICSEARCH_URL` is unset:
    /// `ELASTICSEARCH_URL` (base URL), `ELASTICSEARCH_API_KEY` (the encoded API key) or
    /// `ELASTICSEARCH_USERNAME` and `ELASTICSEARCH_PASSWORD`, and `ELASTICSEARCH_DATA_STREAM`.
    /// Throws a ``DestinationConfigurationError`` for an unusable combination; credentials never
    /// appear in its message.
    public static func fromEnvironment(_ environment: [String: String] = Environment.process) throws -> ElasticsearchSink? {
        let env = Environment(environment)
        guard let urlText = env["ELASTICSEARCH_URL"] else { return nil }
        guard let url = URL(string: urlText) else {
            throw DestinationConfigurationError("ElasticsearchSink", "ELASTICSEARCH_URL is not a URL (for example http://localhost:9200)")
        }
        var options = Options(url: url, dataStream: env["ELASTICSEARCH_DATA_STREAM"])
        switch (env["ELASTICSEARCH_USERNAME"], env["ELASTICSEARCH_PASSWORD"], env["ELASTICSEARCH_API_KEY"]) {
        case (nil, nil, nil): break
        case (let user?, let password?, nil): options.credentials = .basic(username: user, password: password)
        case (nil, nil, let key?): options.credentials = .apiKey(key)
        case (_, _, _?):
            throw DestinationConfigurationError("ElasticsearchSink", "set either ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD, not both")
        default:
            throw DestinationConfigurationError("ElasticsearchSink", "ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together: set both or neither")
        }
        return try ElasticsearchSink(options)
    }

    /// Checks a data stream name against Elasticsearch's index-name rules.
    static func validate(dataStream: String) throws {
        guard !dataStream.isEmpty, dataStream.utf8.count <= 255, dataStream == dataStream.lowercased(),
              !dataStream.contains(where: { ElasticsearchBulk.forbiddenInIndexNames.contains($0) || $0.isWhitespace }),
              !["-", "_", "+", "."].contains(dataStream.first!), dataStream != "..", !dataStream.hasPrefix(".ds-") else {
            throw DestinationConfigurationError("ElasticsearchSink", "data stream \"\(dataStream)\" is not a valid name: lowercase, at most 255 bytes, none of \\ / * ? \" < > | , # : or spaces, not starting with - _ + or . (for example logs-checkout-default)")
        }
    }
}

// Package lambda runs a plain net/http handler on AWS Lambda behind every
// HTTP event source: API Gateway REST APIs (payload 1.0, also used by HTTP
// APIs configured for 1.0), API Gateway HTTP APIs (payload 2.0),
// Application Load Balancers (with or without multi-value headers) and
// Lambda Function URLs (buffered, or streamed with WithResponseStreaming).
//
//	func main() {
//		lambda.Start(mux)
//	}
//
// The package only adapts events: configuration, the Wacht client and
// authentication belong to the kit's handler package, which wraps the
// http.Handler passed here.
//
// # Detecting the source
//
// One pass over the payload reads every field the conversion needs and
// tells the sources apart: requestContext.elb marks ALB,
// requestContext.http.method marks payload 2.0 (a Function URL when
// requestContext.domainName is a *.lambda-url.* host), a top-level
// httpMethod marks payload 1.0. Strings without JSON escapes are sliced from
// the payload, not copied. Any other payload (S3, SQS, an API Gateway
// authorizer or WebSocket event, invalid JSON) makes Invoke return an
// *EventError wrapping ErrUnsupportedEvent or ErrMalformedEvent, which
// Lambda reports as a function error: the handler is not called and nothing
// answers 200.
//
// # The request
//
//   - Method: httpMethod, or requestContext.http.method for payload 2.0.
//   - Path: path (REST, ALB) or rawPath (payload 2.0). The delivered path is
//     kept as URL.RawPath and decoded into URL.Path, so %2F stays one
//     segment for http.ServeMux patterns and r.PathValue. REST APIs, ALB and
//     Function URLs deliver the path percent-encoded (payload 1.0 has no
//     separate raw path: its path field is that encoded form). HTTP APIs
//     have been observed to deliver rawPath already decoded; there %2F has
//     become / before Lambda is invoked and no adapter can recover it. A
//     literal '%' that does not start an escape, a space or a non-ASCII byte
//     is escaped, never rejected, so decoded paths convert safely too.
//   - Stage and base path: WithStripStage removes "/<stage>" (HTTP APIs with
//     a named stage put it in rawPath) and WithBasePath removes a custom
//     domain's base path, both only on a segment boundary.
//   - Query: payload 2.0 rawQueryString is used verbatim. REST API
//     (multiValue)queryStringParameters arrive decoded and are re-encoded,
//     in the event's order. ALB parameters arrive exactly as the client sent
//     them and are joined without encoding, so they are decoded exactly once.
//   - Headers: multiValueHeaders when present (REST, multi-value ALB), else
//     headers. Payload 2.0 values are never split on commas; its cookies
//     array becomes one Cookie header ("a=1; b=2"). Keys are canonicalised.
//   - Host: the Host header moves to Request.Host (as net/http does); without
//     one, requestContext.domainName.
//   - RemoteAddr: "ip:0" from requestContext.identity.sourceIp (REST) or
//     requestContext.http.sourceIp (payload 2.0); for ALB the last
//     X-Forwarded-For entry, the address the load balancer itself saw.
//     The port is unknown and reported as 0 so net.SplitHostPort works.
//   - Body: base64-decoded when isBase64Encoded; ContentLength is set.
//   - URL.Scheme, URL.Host and TLS stay empty, as for any server request;
//     X-Forwarded-Proto tells whether the client used https.
//
// # The context
//
// The request context is the invocation context, so it carries the Lambda
// deadline and lambdacontext's metadata. The adapter adds one value, read
// with typed accessors (never with headers, which a client could forge):
//
//   - EventFromContext: the original event; APIGatewayV1, APIGatewayV2, ALB
//     and FunctionURL decode it on first use into aws-lambda-go's types.
//   - RequestID: the Lambda request id (the event's requestContext.requestId
//     when Invoke is called without a Lambda context, as in tests). It is
//     also recorded with handler.WithRequestID, so kit.Handler logs it and
//     names it in X-Request-Id and error bodies instead of generating one;
//     handler.RequestIDFromContext reads it there.
//   - LambdaContext: function ARN, Cognito identity, client context.
//
// # The response
//
// Status (200 when the handler writes nothing) and headers are taken when
// the handler first writes, as net/http does, and a missing Content-Type is
// sniffed. REST APIs get multiValueHeaders; payload 2.0 sources get headers
// (repeated values joined with ", ") and Set-Cookie in the cookies array; ALB
// gets the form its request used, plus statusDescription ("201 Created").
// An ALB target group without multi-value headers can carry only one
// Set-Cookie; the first is sent.
//
// A body is sent as text or base64 by the rule set with WithBinaryRule;
// DefaultBinaryRule sends text for textual, uncompressed, valid UTF-8
// bodies and base64 for the rest. REST APIs decode base64 only for the
// media types in their binaryMediaTypes setting.
//
// A panic in the handler is logged (WithLogger) and answered with a plain
// 500; panic(http.ErrAbortHandler) makes the invocation fail instead.
//
// Lambda caps buffered responses at 6 MB (base64 counts): stream larger
// Function URL responses, or serve large objects from S3.
//
// # Streaming
//
// With WithResponseStreaming, Function URL events (InvokeMode
// RESPONSE_STREAM) are answered through aws-lambda-go's streaming support:
// the status and headers go out when the handler first writes or flushes,
// the body follows as it is written. A panic before that is a 500; after it,
// the stream ends with the error reported to Lambda. Other sources still get
// buffered JSON.
//
// # Differences from aws-lambda-go-api-proxy
//
// aws-lambda-go-api-proxy's httpadapter is the reference this package is
// tested against (see the differential test in the bench module, which runs
// every HTTP sample event of aws-lambda-go through both). It is not
// imported: its module graph pulls in gin, fiber, echo and more, and it is
// slower (see the benchmarks there). Where the two differ, on purpose:
//
//	what                       this package                      api-proxy
//	RemoteAddr                 "ip:0"; ALB: last X-Forwarded-For  "ip"; ALB: empty
//	URL.Scheme, URL.Host       empty (server request)            "https", domain name
//	Host header                moved to Request.Host             also left in Header
//	REST Request.Host          Host header                       requestContext.domainName
//	multi-value ALB Host       Host header                       empty
//	v2 header "a,b"            one value "a,b"                   split into "a" and "b"
//	v2 cookies                 one Cookie header "c1; c2"        one Cookie header per cookie
//	ALB query "a%20b"          decoded once: "a b"               encoded again: "a%20b"
//	v2 response header values  joined with ", "                  joined with ","
//	ALB statusDescription      "201 Created"                     "Created"
//	single-value ALB response  headers                           multiValueHeaders (rejected by ALB)
//	binary responses           by Content-Type and UTF-8         by UTF-8 only
//	handler writes nothing     200                               error
//	handler panics             500, logged                       invocation fails, process exits
//	event in the handler       typed accessor on the context     also a request header a client can send first
//	query parameter order      as in the event                   map order (random)
//	Function URL streaming     supported                         not supported
//
// # Migrating from aws-lambda-go-api-proxy
//
// Replace core.GetAPIGatewayContextFromContext(ctx) with the APIGatewayV1
// method of the event lambda.EventFromContext(ctx) returns (and read
// .RequestContext; the V2, ALB and stage-variable accessors map the same way
// to APIGatewayV2, ALB and .StageVariables), and
// core.GetRuntimeContextFromContext(ctx) with lambda.LambdaContext(ctx).
package lambda

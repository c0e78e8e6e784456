#pragma once
// A message as cpp-httplib hands it over, and what the node keeps httplib
// from doing with one. Debian's cpp-httplib 0.11.4, on the server side:
//
//  * percent-decodes every received header value (%XX, and %uXXXX);
//  * by the request's Content-Type, parses a multipart/form-data body into
//    parts and keeps no raw body, and answers 413 to an
//    x-www-form-urlencoded body over 8 KiB;
//  * by its Content-Encoding, decompresses the body, answering 4xx to what
//    it cannot;
//  * by its Accept-Encoding, compresses the answer, and by its Range, cuts
//    the answer or makes it a 416;
//  * reads no body for GET, HEAD or OPTIONS, nor for a chunked DELETE: the
//    body would be read as the next request on the connection; and reads a
//    POST, PUT or PATCH without Content-Length to the connection's end;
//  * adds REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR and LOCAL_PORT headers.
//
// A mirrored client request carries the client's own headers, so each of
// these would change what is inspected, or garble the verdict.
#include <string>

#include "message_parser.h"
#include "outer_request.h"

namespace httplib {
struct Request;
}  // namespace httplib

namespace node {

// For a request that is a message (message_shape.h), from the pre-routing
// handler, before httplib reads the body: moves Content-Type,
// Content-Encoding, Accept-Encoding and Range out of httplib's sight, and
// makes httplib read the body the framing gives, whatever the method (any
// method is routed). The functions below give back what was moved.
void hold_message_head(httplib::Request& req);

// The outer headers as the parsers read them: as on the wire, as far as
// httplib's decoding can be undone. X-Wallarm-* values are escaped again as
// docs/protocol.md 3.2 escapes them; since the connector escaped them so,
// that gives back the bytes it sent. Other values have CR, LF and NUL
// escaped again as section 5 has them; anything else httplib decoded in
// them (a client's literal %41) stays decoded.
OuterHeaders received_headers(const httplib::Request& req);

// The whole outer request, without httplib's own headers, in httplib's
// order: by name, case-insensitively, duplicates of a name in the order
// received.
OuterRequest received_request(const httplib::Request& req);

// The request line's method, whatever hold_message_head() made of it.
std::string received_method(const httplib::Request& req);

}  // namespace node

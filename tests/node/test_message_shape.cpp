// The shape of a message, told from its outer head alone (docs/protocol.md
// 12.4), and the Content-Type reading it rests on.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>

#include "media_type.h"
#include "message_shape.h"

namespace {

std::optional<node::Shape> shape(std::map<std::string, std::string> headers) {
  return node::shape_of([&](const char* name) -> std::optional<std::string> {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  });
}

const char* name_of(std::optional<node::Shape> s) { return s ? node::shape_name(*s) : "none"; }

}  // namespace

TEST_CASE("message shape: v1 first, by Content-Type with X-Wallarm-Protocol") {
  CHECK(name_of(shape({{"Content-Type", "message/http"}, {"X-Wallarm-Protocol", "1"}})) ==
        std::string("v1"));
  CHECK(name_of(shape({{"Content-Type", "application/x-wallarm-batch"},
                       {"X-Wallarm-Protocol", "1"},
                       {"X-Wallarm-Connector-Type", "kong"}})) == std::string("v1"));
  // Any version: the v1 parser refuses what it does not know.
  CHECK(name_of(shape({{"Content-Type", "Message/HTTP; x=1"}, {"X-Wallarm-Protocol", "2"}})) ==
        std::string("v1"));
}

TEST_CASE("message shape: connector headers without v1 make mirror or multipart") {
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "layer7"}})) == std::string("mirror"));
  // A client's own message/http body, mirrored: no X-Wallarm-Protocol.
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"}, {"Content-Type", "message/http"}})) ==
        std::string("mirror"));
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "azure-apim"},
                       {"X-Wallarm-Request-Id", "9f1c-2d"},
                       {"Content-Type", "multipart/form-data; boundary=WallarmBoundary9f1c2d"}})) ==
        std::string("multipart"));
  CHECK(
      name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                     {"X-Wallarm-Request-Id", "ab"},
                     {"Content-Type", "Multipart/Form-Data;boundary=\"WallarmBoundaryab-1\""}})) ==
      std::string("multipart"));
  // A form the client sent with a boundary of that name: not its message's
  // boundary, which the gateway's request id makes.
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                       {"X-Wallarm-Request-Id", "ab"},
                       {"Content-Type", "multipart/form-data; boundary=WallarmBoundary9f1c2d"}})) ==
        std::string("mirror"));
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                       {"X-Wallarm-Request-Id", "ab"},
                       {"Content-Type", "multipart/form-data; boundary=WallarmBoundaryab-x"}})) ==
        std::string("mirror"));
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                       {"Content-Type", "multipart/form-data; boundary=WallarmBoundary"}})) ==
        std::string("mirror"));  // no request id: no boundary of its own
  // A client's own form upload, mirrored: its boundary is not the connector's.
  CHECK(name_of(
            shape({{"X-Wallarm-Connector-Type", "kong"},
                   {"Content-Type", "multipart/form-data; boundary=----WebKitFormBoundary7MA"}})) ==
        std::string("mirror"));
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                       {"Content-Type", "multipart/form-data; boundary=wallarmboundary1"}})) ==
        std::string("mirror"));  // boundaries are case-sensitive (RFC 2046)
  CHECK(name_of(shape({{"X-Wallarm-Connector-Type", "kong"},
                       {"Content-Type", "multipart/mixed; boundary=WallarmBoundary1"}})) ==
        std::string("mirror"));
}

TEST_CASE("message shape: without connector headers it is no message") {
  CHECK(name_of(shape({})) == std::string("none"));
  CHECK(name_of(shape({{"Content-Type", "message/http"}})) == std::string("none"));
  CHECK(name_of(shape({{"X-Wallarm-Protocol", "1"}, {"Content-Type", "application/json"}})) ==
        std::string("none"));
  CHECK(name_of(shape({{"X-Wallarm-Connector-Version", "1.0.0"}})) == std::string("none"));
}

TEST_CASE("media type: type, parameters, quoting") {
  auto m = node::parse_media_type(" Multipart/Form-Data ; Boundary=\"a;b \\\"c\\\"\" ; x = y ;");
  REQUIRE(m);
  CHECK(m->type == "multipart/form-data");
  REQUIRE(m->parameter("boundary") != nullptr);
  CHECK(*m->parameter("boundary") == "a;b \"c\"");
  REQUIRE(m->parameter("x") != nullptr);
  CHECK(*m->parameter("x") == "y");
  CHECK(m->parameter("Boundary") == nullptr);  // names are looked up lowercased
  auto d = node::parse_media_type("form-data; name=\"headers\"; filename=h.txt");
  REQUIRE(d);
  CHECK(d->type == "form-data");
  CHECK(*d->parameter("name") == "headers");
  CHECK(*d->parameter("filename") == "h.txt");
  CHECK_FALSE(node::parse_media_type(""));
  CHECK_FALSE(node::parse_media_type("; boundary=x"));
  CHECK_FALSE(node::parse_media_type("text/plain; boundary"));
  CHECK_FALSE(node::parse_media_type("text/plain; boundary=\"open"));
  CHECK_FALSE(node::parse_media_type("text/plain; a=\"b\"c"));
}

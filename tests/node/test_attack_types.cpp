// Unit tests of the CRS tag -> attack type and ModSecurity variable ->
// location mappings (examples/reference-node/src/attack_types.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "attack_types.h"

using node::attack_type_from_tag;
using node::attack_type_from_tags;
using node::location_from_variable;
using node::query_param_names;
using node::variable_from_rule_message;

TEST_CASE("attack_types: CRS tag to attack type") {
  CHECK(attack_type_from_tag("attack-lfi") == "ptrav");
  CHECK(attack_type_from_tag("attack-rfi") == "rfi");
  CHECK(attack_type_from_tag("attack-rce") == "rce");
  CHECK(attack_type_from_tag("attack-injection-php") == "php_injection");
  CHECK(attack_type_from_tag("attack-injection-nodejs") == "rce");
  CHECK(attack_type_from_tag("attack-injection-java") == "java_injection");
  CHECK(attack_type_from_tag("attack-xss") == "xss");
  CHECK(attack_type_from_tag("attack-sqli") == "sqli");
  CHECK(attack_type_from_tag("attack-fixation") == "session_fixation");
  CHECK(attack_type_from_tag("attack-session-fixation") == "session_fixation");
  CHECK(attack_type_from_tag("attack-protocol") == "protocol");
  CHECK(attack_type_from_tag("attack-multipart-header") == "protocol");
  CHECK(attack_type_from_tag("attack-deprecated-header") == "protocol");
  CHECK(attack_type_from_tag("attack-reputation-scanner") == "scanner");
  CHECK(attack_type_from_tag("attack-dos") == "dos");
  // Anything else: the tag without "attack-".
  CHECK(attack_type_from_tag("attack-reputation-ip") == "reputation-ip");
  CHECK(attack_type_from_tag("attack-disclosure") == "disclosure");
  // Not attack types.
  CHECK(attack_type_from_tag("attack-generic") == "");
  CHECK(attack_type_from_tag("attack-") == "");
  CHECK(attack_type_from_tag("OWASP_CRS") == "");
  CHECK(attack_type_from_tag("paranoia-level/1") == "");
  CHECK(attack_type_from_tag("language-php") == "");
  CHECK(attack_type_from_tag("") == "");
  CHECK(attack_type_from_tag("Attack-sqli") == "");
}

TEST_CASE("attack_types: all tags of a rule") {
  // 942100 (libinjection SQLi).
  CHECK(attack_type_from_tags({"application-multi", "language-multi", "platform-multi",
                               "attack-sqli", "paranoia-level/1", "OWASP_CRS",
                               "capec/1000/152/248/66", "PCI/6.5.2"}) == "sqli");
  // 934100: attack-rce and attack-injection-nodejs.
  CHECK(attack_type_from_tags({"application-multi", "language-javascript", "platform-multi",
                               "attack-rce", "attack-injection-nodejs"}) == "rce");
  // 944xxx: the Java rules are tagged attack-rce + language-java.
  CHECK(attack_type_from_tags({"application-multi", "language-java", "platform-multi",
                               "attack-rce", "paranoia-level/1"}) == "java_injection");
  // 949110: only attack-generic.
  CHECK(attack_type_from_tags({"application-multi", "language-multi", "platform-multi",
                               "attack-generic"}) == "");
  CHECK(attack_type_from_tags({"attack-generic", "attack-xss"}) == "xss");
  CHECK(attack_type_from_tags({}) == "");
  CHECK(attack_type_from_tags({"OWASP_CRS"}) == "");
}

TEST_CASE("attack_types: CRS rule id to attack type") {
  using node::attack_type_from_rule_id;
  CHECK(attack_type_from_rule_id(942100) == "sqli");
  CHECK(attack_type_from_rule_id(942130) == "sqli");
  CHECK(attack_type_from_rule_id(941100) == "xss");
  CHECK(attack_type_from_rule_id(930110) == "ptrav");
  CHECK(attack_type_from_rule_id(931100) == "rfi");
  CHECK(attack_type_from_rule_id(932100) == "rce");
  CHECK(attack_type_from_rule_id(933100) == "php_injection");
  CHECK(attack_type_from_rule_id(934100) == "rce");
  CHECK(attack_type_from_rule_id(943100) == "session_fixation");
  CHECK(attack_type_from_rule_id(944100) == "java_injection");
  CHECK(attack_type_from_rule_id(920270) == "protocol");
  CHECK(attack_type_from_rule_id(921110) == "protocol");
  CHECK(attack_type_from_rule_id(922110) == "protocol");
  CHECK(attack_type_from_rule_id(913100) == "scanner");
  CHECK(attack_type_from_rule_id(911100) == "protocol");
  CHECK(attack_type_from_rule_id(912120) == "dos");
  CHECK(attack_type_from_rule_id(949110) == "");
  CHECK(attack_type_from_rule_id(980130) == "");
  CHECK(attack_type_from_rule_id(901100) == "");
  CHECK(attack_type_from_rule_id(1000100) == "");
  CHECK(attack_type_from_rule_id(0) == "");
  CHECK(attack_type_from_rule_id(-942100) == "");
}

TEST_CASE("attack_types: variable to location") {
  const std::vector<std::string> query{"q", "id", "a b", "x[]"};
  const std::vector<std::string> none;

  SUBCASE("arguments: query or body by name") {
    CHECK(location_from_variable("ARGS:q", query) == "query");
    CHECK(location_from_variable("ARGS:a b", query) == "query");
    CHECK(location_from_variable("ARGS:x[]", query) == "query");
    CHECK(location_from_variable("ARGS:comment", query) == "body");
    CHECK(location_from_variable("ARGS:json.user.name", query) == "body");
    CHECK(location_from_variable("ARGS:q", none) == "body");
    CHECK(location_from_variable("ARGS_NAMES:id", query) == "query");
    CHECK(location_from_variable("ARGS_NAMES:jsessionid", query) == "body");
    CHECK(location_from_variable("ARGS", query) == "request");
  }
  SUBCASE("explicit query and body collections") {
    CHECK(location_from_variable("ARGS_GET:q", none) == "query");
    CHECK(location_from_variable("ARGS_GET_NAMES:q", none) == "query");
    CHECK(location_from_variable("QUERY_STRING", none) == "query");
    CHECK(location_from_variable("ARGS_POST:q", query) == "body");
    CHECK(location_from_variable("ARGS_POST_NAMES:q", query) == "body");
    CHECK(location_from_variable("REQUEST_BODY", none) == "body");
    CHECK(location_from_variable("XML:/*", none) == "body");
    CHECK(location_from_variable("FILES:file", none) == "body");
    CHECK(location_from_variable("FILES_NAMES:file", none) == "body");
    CHECK(location_from_variable("MULTIPART_STRICT_ERROR", none) == "body");
    CHECK(location_from_variable("REQBODY_ERROR", none) == "body");
  }
  SUBCASE("path and URI") {
    CHECK(location_from_variable("REQUEST_FILENAME", none) == "path");
    CHECK(location_from_variable("REQUEST_BASENAME", none) == "path");
    CHECK(location_from_variable("REQUEST_URI", none) == "uri");
    CHECK(location_from_variable("REQUEST_URI_RAW", none) == "uri");
    CHECK(location_from_variable("REQUEST_LINE", none) == "uri");
  }
  SUBCASE("headers and cookies") {
    CHECK(location_from_variable("REQUEST_HEADERS:User-Agent", none) == "header:user-agent");
    CHECK(location_from_variable("REQUEST_HEADERS:Referer", none) == "header:referer");
    CHECK(location_from_variable("REQUEST_HEADERS", none) == "header");
    CHECK(location_from_variable("REQUEST_HEADERS_NAMES", none) == "header");
    CHECK(location_from_variable("REQUEST_HEADERS_NAMES:X-Foo", none) == "header");
    CHECK(location_from_variable("REQUEST_COOKIES:session", none) == "cookie");
    CHECK(location_from_variable("REQUEST_HEADERS:Cookie", none) == "cookie");
    CHECK(location_from_variable("REQUEST_HEADERS:cookie", none) == "cookie");
    CHECK(location_from_variable("REQUEST_COOKIES_NAMES:session", none) == "cookie");
    // Cut to 39 bytes.
    std::string long_name(100, 'X');
    std::string location = location_from_variable("REQUEST_HEADERS:" + long_name, none);
    CHECK(location.size() == node::kMaxLocation);
    CHECK(location == "header:" + std::string(node::kMaxLocation - 7, 'x'));
  }
  SUBCASE("method, protocol, anything else") {
    CHECK(location_from_variable("REQUEST_METHOD", none) == "method");
    CHECK(location_from_variable("REQUEST_PROTOCOL", none) == "protocol");
    CHECK(location_from_variable("TX:0", none) == "request");
    CHECK(location_from_variable("TX:ANOMALY_SCORE", none) == "request");
    CHECK(location_from_variable("", none) == "request");
  }
}

TEST_CASE("attack_types: query parameter names") {
  CHECK(query_param_names("") == std::vector<std::string>{});
  CHECK(query_param_names("a=1&b%5B%5D=2&c") == std::vector<std::string>{"a", "b[]", "c"});
  CHECK(query_param_names("first+name=x&&=y") == std::vector<std::string>{"first name", ""});
  CHECK(query_param_names("bad%zz=1&%41=2") == std::vector<std::string>{"bad%zz", "A"});
  CHECK(query_param_names("q=a=b") == std::vector<std::string>{"q"});
  CHECK(query_param_names("trailing%4") == std::vector<std::string>{"trailing%4"});
}

TEST_CASE("attack_types: variable named by a rule message") {
  // Operator match text (most rules).
  CHECK(variable_from_rule_message(
            "Matched \"Operator `Rx' with parameter `(?i)<script[^>]*>' against variable "
            "`ARGS:q' (Value: `<script>alert(1)</script>' )",
            "Matched Data: <script> found within ARGS:q: <script>alert(1)</script>") == "ARGS:q");
  CHECK(variable_from_rule_message(
            "Matched \"Operator `PmFromFile' with parameter `lfi-os-files.data' against "
            "variable `REQUEST_FILENAME' (Value: `/etc/passwd' )",
            "") == "REQUEST_FILENAME");
  CHECK(variable_from_rule_message(
            "Matched \"Operator `Rx' with parameter `x' against variable "
            "`REQUEST_HEADERS:User-Agent' (Value: `a' (Value: `b' )",
            "") == "REQUEST_HEADERS:User-Agent");
  // libinjection rules: only the logdata names the variable.
  CHECK(variable_from_rule_message("detected SQLi using libinjection.",
                                   "Matched Data: s&1c found within ARGS:id: 1' OR 1=1--") ==
        "ARGS:id");
  CHECK(variable_from_rule_message("detected XSS using libinjection.",
                                   "Matched Data: XSS data found within "
                                   "REQUEST_HEADERS:User-Agent: <script>alert(1)</script>") ==
        "REQUEST_HEADERS:User-Agent");
  CHECK(variable_from_rule_message("", "Matched Data: x found within REQUEST_FILENAME") ==
        "REQUEST_FILENAME");
  CHECK(variable_from_rule_message("", "Matched Data: x found within ARGS:id:") == "ARGS:id");
  CHECK(variable_from_rule_message("", "") == "");
  CHECK(variable_from_rule_message("detected SQLi using libinjection.", "s&1c") == "");
}

#pragma once
// Pure mappings from what ModSecurity + the OWASP CRS report to the node's
// attack vocabulary (node::Attack::type / location). No ModSecurity headers.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace node {

// Longest location the node reports (Attack::location), in bytes.
inline constexpr size_t kMaxLocation = 39;

// What the node reports when the processing time limit passed before the
// detector finished (Wallarm's overlimit_res): one finding, on the whole
// request, from no rule.
inline constexpr const char* kOverlimitType = "overlimit_res";
inline constexpr const char* kOverlimitLocation = "request";

// One CRS tag -> attack type: "attack-sqli" -> "sqli", "attack-lfi" ->
// "ptrav", ... "" when the tag is not an attack-* tag or is attack-generic
// (the blocking evaluation, rule 949110). Unknown attack tags map to the tag
// without "attack-".
std::string attack_type_from_tag(std::string_view tag);

// All tags of one rule -> attack type, "" when none. The first attack tag
// that maps wins, except that the CRS Java rules (944xxx, tagged attack-rce +
// language-java) give "java_injection".
std::string attack_type_from_tags(const std::vector<std::string_view>& tags);

// CRS rule id -> attack type by the CRS file it belongs to (942xxx -> "sqli",
// 941xxx -> "xss", 930xxx -> "ptrav", ...), "" outside the attack files.
// For rule messages without a specific attack tag: libmodsecurity 3.0.x
// logs the matches of multiMatch rules (930110, 934100, 942100, 942130)
// without tags (ModSecurity issues #2697, #2754), and 911100 (method not
// allowed, "protocol") is tagged attack-generic only.
std::string attack_type_from_rule_id(int rule_id);

// A ModSecurity variable name as in MATCHED_VAR_NAME ("ARGS:q",
// "REQUEST_HEADERS:User-Agent", "REQUEST_FILENAME", "TX:0") -> location:
// "query", "body", "path", "uri", "cookie", "header:<lowercase name>",
// "header", "method", "protocol" or "request" (REQUEST_HEADERS:Cookie is
// "cookie"). query_names: the decoded
// parameter names of the request's query string (query_param_names()), to
// tell ARGS from the query from ARGS from the body. At most kMaxLocation
// bytes.
std::string location_from_variable(std::string_view variable,
                                   const std::vector<std::string>& query_names);

// Decoded parameter names of a query string, as ModSecurity names ARGS
// ('+' is a space, %XX decoded, invalid escapes kept): "a=1&b%5B%5D=2&c"
// -> {"a", "b[]", "c"}.
std::vector<std::string> query_param_names(std::string_view query);

// The variable a ModSecurity rule message names: from its match text
// ("... against variable `ARGS:q' (Value: ...") or else from CRS logdata
// ("Matched Data: ... found within ARGS:id: 1' OR 1=1--"). "" if neither.
std::string variable_from_rule_message(std::string_view match, std::string_view data);

}  // namespace node

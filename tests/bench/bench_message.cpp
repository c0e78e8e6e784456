// Micro-benchmarks: serialize a typical request (12 headers, 1 KiB body) and
// a 64 KiB one into a reused slot buffer, and decode typical node answers.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "message.h"
#include "verdict.h"
#include "wallarm.h"

namespace {

struct Request {
  std::vector<std::pair<std::string, std::string>> fields{
      {"Host", "api.example.com"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"},
      {"Accept", "application/json, text/plain, */*"},
      {"Accept-Language", "en-US,en;q=0.9"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Content-Type", "application/json"},
      {"Content-Length", "1024"},
      {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3"},
      {"Cookie", "session=5f2b1c9e8d7a6b5c4d3e2f1a; theme=dark"},
      {"X-Request-Id", "8d3a1f0e-7c2b-4a9d-b6e5-1f0e9d8c7b6a"},
      {"X-Forwarded-For", "203.0.113.7"},
      {"Connection", "keep-alive"}};
  std::vector<wallarm_header_t> headers;
  std::string method = "POST", uri = "/api/v1/orders/12345/items?expand=product&limit=50";
  std::string id = "8d3a1f0e-7c2b-4a9d-b6e5-1f0e9d8c7b6a", ip = "203.0.113.7",
              host = "api.example.com";
  std::string body;
  wallarm_message_t m{};

  explicit Request(size_t body_size) : body(body_size, 'j') {
    for (auto& [n, v] : fields) headers.push_back({{n.data(), n.size()}, {v.data(), v.size()}});
    m.type = WALLARM_MSG_REQUEST;
    m.method = {method.data(), method.size()};
    m.uri = {uri.data(), uri.size()};
    m.version = {"1.1", 3};
    m.headers = headers.data();
    m.header_count = static_cast<uint32_t>(headers.size());
    m.body = {body.data(), body.size()};
    m.body_total = -1;
    m.request_id = {id.data(), id.size()};
    m.client_ip = {ip.data(), ip.size()};
    m.host = {host.data(), host.size()};
  }
};

void serialize_request(benchmark::State& state) {
  Request req(static_cast<size_t>(state.range(0)));
  wallarm::Outgoing constant, out;
  wallarm::make_constant_outer(constant, "kong", "0.0.0");
  const char* err = nullptr;
  for (auto _ : state) {
    int32_t rc = wallarm::serialize(req.m, 0, 1 << 20, constant.outer, out, &err);
    benchmark::DoNotOptimize(rc);
    benchmark::DoNotOptimize(out.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(out.body.size()));
}
BENCHMARK(serialize_request)->Arg(1024)->Arg(64 * 1024);

void decode(benchmark::State& state, int status, const std::string& json) {
  simdjson::ondemand::parser parser;
  std::string padded = json;
  padded.resize(json.size() + wallarm::kJsonPadding, '\0');
  wallarm_verdict_t v{};
  for (auto _ : state) {
    wallarm::decode_verdict(status, padded.data(), json.size(), padded.size(), parser, v);
    benchmark::DoNotOptimize(v.action);
  }
}

void decode_pass_empty(benchmark::State& state) { decode(state, 200, ""); }
void decode_pass_json(benchmark::State& state) {
  decode(state, 200, R"({"verdict":"pass","mode":"monitoring","request_id":"c0ffee00112233445566"})");
}
void decode_block_json(benchmark::State& state) {
  decode(state, 403,
         R"({"verdict":"block","mode":"block","request_id":"c0ffee00112233445566",)"
         R"("attacks":[{"type":"ptrav","location":"uri"},{"type":"sqli","location":"query"}]})");
}
BENCHMARK(decode_pass_empty);
BENCHMARK(decode_pass_json);
BENCHMARK(decode_block_json);

}  // namespace

BENCHMARK_MAIN();

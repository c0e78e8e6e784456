// Micro-benchmarks: serialize a typical request (12 headers, 1 KiB body) and
// a 64 KiB one into a reused slot buffer in each node format, and decode
// typical node answers.
#include <benchmark/benchmark.h>

#include <string>

#include "message.h"
#include "typical_request.h"
#include "verdict.h"
#include "wallarm.h"

namespace {

// range(0): body bytes; range(1): wallarm_node_format_t.
void serialize_request(benchmark::State& state) {
  TypicalRequest req(static_cast<size_t>(state.range(0)));
  wallarm::Outgoing v1_tail, shape_tail, out;
  wallarm::make_v1_tail(v1_tail, "kong", "0.0.0");
  wallarm::make_shape_tail(shape_tail, "kong", "0.0.0");
  wallarm::EncodeOptions o = wallarm::v1_options(0, 1 << 20, v1_tail.outer);
  o.format = static_cast<int32_t>(state.range(1));
  o.shape_tail = shape_tail.outer;
  const char* err = nullptr;
  for (auto _ : state) {
    int32_t rc = wallarm::encode(req.m, o, out, &err);
    benchmark::DoNotOptimize(rc);
    benchmark::DoNotOptimize(out.body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(out.body.size()));
}
BENCHMARK(serialize_request)
    ->ArgNames({"body", "format"})
    ->ArgsProduct({{1024, 64 * 1024},
                   {WALLARM_FORMAT_V1, WALLARM_FORMAT_MIRROR, WALLARM_FORMAT_MULTIPART}});

void decode(benchmark::State& state, int status, const std::string& json) {
  simdjson::ondemand::parser parser;
  std::string padded = json;
  padded.resize(json.size() + wallarm::kJsonPadding, '\0');
  wallarm_verdict_t v{};
  v.size = sizeof v;
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

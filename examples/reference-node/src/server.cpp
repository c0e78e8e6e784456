#include "server.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "attacks_view.h"
#include "batch_parser.h"
#include "httplib_message.h"
#include "message_parser.h"
#include "message_shape.h"
#include "mirror_parser.h"
#include "multipart_parser.h"
#include "protocol_names.h"

namespace node {
namespace {

using Clock = std::chrono::steady_clock;

// The connector sends one message per connection at a time and keeps
// connections for up to 30 s idle (docs/protocol.md 2.2): stay open longer.
constexpr int kKeepAliveSeconds = 65;
// Debian's cpp-httplib is a compiled library that listens with a backlog of
// 5: a gateway opening its pool at once would have SYNs dropped, each one
// retried by the client after 1 s. listen() again raises it.
constexpr int kListenBacklog = 4096;
constexpr size_t kKeepAliveRequests = 1000000;
constexpr size_t kMaxMessageBytes = 64u << 20;

void refuse(httplib::Response& res, int status, const std::string& reason, const std::string& detail) {
  res.status = status;
  res.set_content(reason + ": " + detail + "\n", "text/plain");
}

}  // namespace

NodeServer::NodeServer(const Config& cfg, Detector& detector, AttackStore& store, Metrics& metrics)
    : cfg_(cfg), store_(store), metrics_(metrics),
      inspector_(detector, metrics,
                 std::chrono::milliseconds(detector.can_overrun() ? cfg.process_time_limit_ms : 0),
                 cfg.detectors),
      http_(std::make_unique<httplib::Server>()),
      next_id_(std::random_device{}() & 0xffffff) {
  unsigned threads = cfg.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_keep_alive_timeout(kKeepAliveSeconds);
  http_->set_keep_alive_max_count(kKeepAliveRequests);
  http_->set_payload_max_length(kMaxMessageBytes);
  http_->set_tcp_nodelay(true);
  http_->set_socket_options([this](socket_t sock) {
    int yes = 1;  // what httplib's default options do
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });

  // The shape is told from the head, before httplib reads the body: a
  // message's headers are the client's in the mirror shape, and must not
  // steer httplib (httplib_message.h). httplib hands its own Request to this
  // handler as const; the object itself is not.
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    if (message_shape(req)) hold_message_head(const_cast<httplib::Request&>(req));
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // One handler for every method httplib routes: a message may come as any
  // of them (a mirrored GET /metrics is a message, never the metrics page).
  // A message reaches them as GET or POST whatever its method
  // (hold_message_head). httplib itself answers 400 to any other request
  // sent with TRACE or CONNECT, and to a method it does not know.
  auto on_http = [this](const httplib::Request& req, httplib::Response& res) {
    this->on_http(req, res);
  };
  // Any path: httplib matches the decoded path, where %0A is a line feed
  // that "." does not match.
  const std::string any_path = R"([\s\S]*)";
  http_->Get(any_path, on_http);  // and HEAD
  http_->Post(any_path, on_http);
  http_->Put(any_path, on_http);
  http_->Delete(any_path, on_http);
  http_->Options(any_path, on_http);
  http_->Patch(any_path, on_http);
}

NodeServer::~NodeServer() = default;

bool NodeServer::bind(std::string* err) {
  port_ = cfg_.port == 0 ? http_->bind_to_any_port(cfg_.host)
                         : (http_->bind_to_port(cfg_.host, cfg_.port) ? cfg_.port : -1);
  if (port_ <= 0) {
    *err = "cannot listen on " + cfg_.host + ":" + std::to_string(cfg_.port);
    return false;
  }
  if (listen_fd_ >= 0 && ::listen(listen_fd_, kListenBacklog) != 0) {
    *err = std::string("cannot raise the listen backlog: ") + std::strerror(errno);
    return false;
  }
  return true;
}

void NodeServer::serve() { http_->listen_after_bind(); }

void NodeServer::stop() { http_->stop(); }

void NodeServer::on_http(const httplib::Request& req, httplib::Response& res) {
  const Clock::time_point received = Clock::now();  // httplib calls us with the whole body read
  auto shape = message_shape(req);
  if (!shape) {
    if (serve_page(req, res)) return;
    metrics_.count_rejected_connector_info();
    refuse(res, 400, "connector_info",
           "not a message (no X-Wallarm-Connector-Type, nor X-Wallarm-Protocol with a v1 "
           "Content-Type), and not one of the node's pages");
    return;
  }
  if (!served(*shape, received_headers(req))) {
    metrics_.count_rejected_shape();
    refuse(res, 400, "shape",
           std::string(shape_name(*shape)) + " messages are not served by this node (--shapes)");
  } else if (*shape == Shape::v1) {
    on_v1(req, received, res);
  } else if (*shape == Shape::mirror) {
    on_parsed(parse_mirror(received_request(req)), received, res);
  } else {
    on_parsed(parse_multipart(received_request(req)), received, res);
  }
  // A mirrored HEAD gets its verdict by status only: an answer to HEAD has
  // no body.
  if (received_method(req) == "HEAD") res.body.clear();
}

bool NodeServer::health_path(const std::string& path) const {
  return path == "/healthz" ||
         (!cfg_.external_health_path.empty() && path == cfg_.external_health_path);
}

// A connector's health check may carry its constant headers,
// X-Wallarm-Connector-Type among them, but no request id. No mirror message
// lacks one (it would be refused as missing_request_id), so such a GET is
// the health check it looks like.
std::optional<Shape> NodeServer::message_shape(const httplib::Request& req) const {
  auto outer = received_headers(req);
  auto shape = shape_of(outer);
  const std::string method = received_method(req);
  if (shape == Shape::mirror && !outer(protocol::kRequestId) &&
      (method == "GET" || method == "HEAD") && health_path(req.path))
    return std::nullopt;
  return shape;
}

// Both mirror and multipart connectors send their response messages in the
// multipart shape (docs/protocol.md 12.4): a node serving mirror takes them.
bool NodeServer::served(Shape shape, const OuterHeaders& outer) const {
  if ((cfg_.shapes & shape_bit(shape)) != 0) return true;
  return shape == Shape::multipart && (cfg_.shapes & shape_bit(Shape::mirror)) != 0 &&
         outer(protocol::kResponseStatus);
}

bool NodeServer::serve_page(const httplib::Request& req, httplib::Response& res) {
  if (req.method != "GET" && req.method != "HEAD") return false;
  const std::string& path = req.path;
  if (health_path(path)) {
    res.set_content("ok\n", "text/plain");
  } else if (path == "/metrics") {
    metrics_.set_tracked_requests(store_.tracked());
    res.set_content(metrics_.prometheus(), "text/plain; version=0.0.4");
  } else if (path == "/attacks") {
    // Browsers ask for HTML; everything else gets JSON.
    bool html = req.get_header_value("Accept").find("text/html") != std::string::npos;
    on_attacks(req, res, html ? "html" : "json");
  } else if (path == "/attacks.json") {
    on_attacks(req, res, "json");
  } else if (path == "/attacks.html") {
    on_attacks(req, res, "html");
  } else {
    return false;
  }
  return true;
}

void NodeServer::on_v1(const httplib::Request& req, Clock::time_point received,
                       httplib::Response& res) {
  auto outer = received_headers(req);
  if (outer(protocol::kMessageType) == std::string(protocol::kBatch)) {
    on_batch(req, res);
    return;
  }
  on_parsed(parse_message(outer, req.body), received, res);
}

void NodeServer::on_parsed(std::variant<Message, ParseError> parsed, Clock::time_point received,
                           httplib::Response& res) {
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    metrics_.count_malformed(e->reason);
    refuse(res, 400, e->reason, e->detail);
    return;
  }
  // Shared: an inspection that overruns the time limit still reads it.
  auto m = std::make_shared<const Message>(std::move(std::get<Message>(parsed)));
  metrics_.count_message(m->type, m->shape);
  switch (m->type) {
    case MessageType::health:
      res.status = 200;
      return;
    case MessageType::response:
      record_response(*m);
      res.status = 204;
      return;
    case MessageType::request:
      on_request(std::move(m), received, res);
      return;
  }
}

// Every part is parsed before any is used: a refused batch used none, and
// the connector sends its messages again one by one. Nobody waits for a
// verdict on a part, so the answer is 204 whatever the parts hold.
void NodeServer::on_batch(const httplib::Request& req, httplib::Response& res) {
  auto parsed = parse_batch(received_headers(req), req.body);
  if (auto* e = std::get_if<ParseError>(&parsed)) {
    metrics_.count_malformed(e->reason);
    refuse(res, 400, e->reason, e->detail);
    return;
  }
  metrics_.count_batch();
  for (Message& part : std::get<std::vector<Message>>(parsed)) {
    metrics_.count_message(part.type, part.shape);
    std::vector<Attack> attacks;
    // Parts are inspected one after the other: each one's time limit
    // counts from its own turn.
    if (part.type == MessageType::request)
      judge(std::make_shared<const Message>(std::move(part)), Clock::now(), attacks);
    else
      record_response(part);
  }
  if (cfg_.delay_ms != 0) std::this_thread::sleep_for(std::chrono::milliseconds(cfg_.delay_ms));
  res.status = 204;
}

void NodeServer::on_request(std::shared_ptr<const Message> m, Clock::time_point received,
                            httplib::Response& res) {
  std::vector<Attack> attacks;
  bool block = judge(std::move(m), received, attacks);
  if (cfg_.delay_ms != 0) std::this_thread::sleep_for(std::chrono::milliseconds(cfg_.delay_ms));

  char id[24];
  std::snprintf(id, sizeof id, "node-%012llx",
                static_cast<unsigned long long>(next_id_.fetch_add(1, std::memory_order_relaxed)));
  nlohmann::json body = {
      {"verdict", block ? "block" : "pass"}, {"mode", mode_name(cfg_.mode)}, {"request_id", id}};
  nlohmann::json listed = nlohmann::json::array();
  for (const Attack& a : attacks) listed.push_back({{"type", a.type}, {"location", a.location}});
  body["attacks"] = std::move(listed);
  res.status = block ? 403 : 200;
  // Client bytes may be invalid UTF-8: replace rather than throw.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

bool NodeServer::judge(std::shared_ptr<const Message> shared, Clock::time_point received,
                       std::vector<Attack>& attacks) {
  const Message& m = *shared;
  if (m.out_of_band) metrics_.count_out_of_band();
  if (m.head_only) metrics_.count_head_message();
  Findings findings;
  if (inspects(cfg_.mode)) {
    Inspection inspection = inspector_.inspect(shared, received);
    if (inspection.overlimit) metrics_.count_overlimit();
    findings = std::move(inspection.findings);
  }
  bool denied = cfg_.denylist.contains(m.client_ip);
  bool grayed = cfg_.graylist.contains(m.client_ip);
  Decision decision = decide(cfg_.mode, findings, denied, grayed);
  std::vector<Attack> listed;  // a denylisted client is recorded like an attack
  if (decision.block && std::string(decision.reason) == "denylist") {
    listed.push_back({"denylist", "ip", 0});
    findings.attacks.insert(findings.attacks.begin(), listed.front());
  }
  const char* verdict = decision.block ? "block" : "pass";
  metrics_.count_verdict(decision.block);
  metrics_.count_attacks(findings.attacks);
  store_.on_request(m, findings, verdict, mode_name(cfg_.mode), Clock::now(), listed);
  attacks = std::move(findings.attacks);
  return decision.block;
}

void NodeServer::record_response(const Message& m) {
  if (m.out_of_band) metrics_.count_out_of_band();
  if (store_.on_response(m.request_id, m.status, Clock::now()))
    metrics_.count_correlated();
  else
    metrics_.count_uncorrelated();
}

void NodeServer::on_attacks(const httplib::Request& req, httplib::Response& res, const char* format) {
  size_t limit = cfg_.keep_attacks;
  if (req.has_param("limit")) {
    try {
      limit = std::min<size_t>(limit, std::stoul(req.get_param_value("limit")));
    } catch (...) {
      refuse(res, 400, "bad_limit", "limit must be a number");
      return;
    }
  }
  auto records = store_.newest(limit);
  if (std::string(format) == "html")
    res.set_content(attacks_html(records, mode_name(cfg_.mode)), "text/html; charset=utf-8");
  else
    res.set_content(attacks_json(records), "application/json");
}

}  // namespace node

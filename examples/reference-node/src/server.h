#pragma once
// The node's HTTP side. A request whose head makes it a message
// (message_shape.h: v1, mirror or multipart) is one, whatever its method
// and path; any other request gets the node's own pages on GET (the attacks
// view, metrics, liveness and the external health check) or a 400. A
// message of a shape the node is set not to serve gets a 400 too.
// cpp-httplib serves each open connection on a thread of its pool; requests
// are inspected under the processing time limit (time_limited_inspector.h).
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "attack_store.h"
#include "config.h"
#include "detector.h"
#include "message_parser.h"
#include "metrics.h"
#include "time_limited_inspector.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace node {

class NodeServer {
 public:
  NodeServer(const Config& cfg, Detector& detector, AttackStore& store, Metrics& metrics);
  ~NodeServer();
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;

  // Binds the listening socket; false with *err when it cannot.
  bool bind(std::string* err);
  int port() const { return port_; }
  // Serves until stop(); call after bind().
  void serve();
  // Stops accepting and returns serve(); safe from any thread.
  void stop();

 private:
  // Every request httplib routes, whatever its method.
  void on_http(const httplib::Request& req, httplib::Response& res);
  // The shape of the message req is, or nullopt if it is none
  // (message_shape.h, and a health check that carries connector headers).
  std::optional<Shape> message_shape(const httplib::Request& req) const;
  // /healthz or the external health check's path.
  bool health_path(const std::string& path) const;
  // Whether messages of this shape are served (Config::shapes).
  bool served(Shape shape, const OuterHeaders& outer) const;
  // The node's own pages, on GET and HEAD; false if req asks for none.
  bool serve_page(const httplib::Request& req, httplib::Response& res);
  void on_v1(const httplib::Request& req, std::chrono::steady_clock::time_point received,
             httplib::Response& res);
  void on_batch(const httplib::Request& req, httplib::Response& res);
  // A message of any shape, parsed or refused.
  void on_parsed(std::variant<Message, ParseError> parsed,
                 std::chrono::steady_clock::time_point received, httplib::Response& res);
  void on_request(std::shared_ptr<const Message> m, std::chrono::steady_clock::time_point received,
                  httplib::Response& res);
  // Inspects and records a request message that arrived at `received` (the
  // processing time limit counts from then); true to block.
  bool judge(std::shared_ptr<const Message> m, std::chrono::steady_clock::time_point received,
             std::vector<Attack>& attacks);
  void record_response(const Message& m);
  void on_attacks(const httplib::Request& req, httplib::Response& res, const char* format);

  const Config& cfg_;
  AttackStore& store_;
  Metrics& metrics_;
  TimeLimitedInspector inspector_;  // outlives http_: its handlers use it
  std::unique_ptr<httplib::Server> http_;
  int listen_fd_ = -1;  // the socket httplib listens on, for its backlog
  int port_ = 0;
  std::atomic<uint64_t> next_id_;
};

}  // namespace node

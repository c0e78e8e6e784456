#include "modsec_detector.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <charconv>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "attack_types.h"

namespace node {

struct ModSecurityDetector::Instance {
  std::unique_ptr<modsecurity::ModSecurity> engine;
  std::unique_ptr<modsecurity::RulesSet> rules;
  ~Instance() {
    rules.reset();  // the rules before the engine they were made for
    engine.reset();
  }
};

namespace {

constexpr int kBlockingEvaluationRule = 949110;  // CRS "Inbound Anomaly Score Exceeded"

// ModSecurity prints its server log to stderr when no callback is set; the
// detector reports through Findings, so the log goes nowhere.
void discard_server_log(void*, const void*) {}

int parse_int(std::string_view s) {
  int value = 0;
  while (!s.empty() && (s.front() == ' ' || s.front() == '+')) s.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  (void)ptr;
  return ec == std::errc() ? value : 0;
}

// "... (Total Score: 10)" -> 10.
int total_score(std::string_view message) {
  constexpr std::string_view kTotal = "Total Score: ";
  size_t at = message.find(kTotal);
  return at == std::string_view::npos ? 0 : parse_int(message.substr(at + kTotal.size()));
}

// Reads and frees a pending intervention; returns its status if disruptive.
int take_intervention(modsecurity::Transaction& t) {
  modsecurity::ModSecurityIntervention it;
  modsecurity::intervention::clean(&it);
  int status = 0;
  if (t.intervention(&it) && it.disruptive) status = it.status;
  modsecurity::intervention::free(&it);
  return status;
}

std::unique_ptr<ModSecurityDetector::Instance> load_instance(const std::string& config_path,
                                                            std::string* err) {
  auto instance = std::make_unique<ModSecurityDetector::Instance>();
  // The rules first: a ModSecurity object's destructor calls libxml2's
  // xmlCleanupParser(), so none is made for a configuration that fails.
  instance->rules = std::make_unique<modsecurity::RulesSet>();
  if (instance->rules->loadFromUri(config_path.c_str()) < 0) {
    if (err) {
      std::string parser = instance->rules->getParserError();
      while (!parser.empty() && (parser.back() == '\n' || parser.back() == ' '))
        parser.pop_back();
      *err = "modsecurity: cannot load " + config_path + ": " + parser;
    }
    return nullptr;
  }
  instance->engine = std::make_unique<modsecurity::ModSecurity>();
  instance->engine->setConnectorInformation("wallarm-kong reference node");
  instance->engine->setServerLogCb(discard_server_log, modsecurity::RuleMessageLogProperty);
  return instance;
}

Findings run(ModSecurityDetector::Instance& instance, const Message& request) {
  Findings findings;
  // The request id names the transaction (copied); without one, ModSecurity
  // makes one up.
  std::optional<modsecurity::Transaction> transaction;
  std::string id = request.request_id;
  if (id.empty())
    transaction.emplace(instance.engine.get(), instance.rules.get(), nullptr);
  else
    transaction.emplace(instance.engine.get(), instance.rules.get(), id.data(), nullptr);
  modsecurity::Transaction& t = *transaction;
  // node.conf: a body the connector cut is not expected to parse; a head
  // message's body is cut to nothing.
  if (request.truncated_from || request.head_only)
    t.m_collections.m_tx_collection->storeOrUpdateFirst("node_body_truncated", "1");

  const char* client = request.client_ip.empty() ? "0.0.0.0" : request.client_ip.c_str();
  t.processConnection(client, 0, "127.0.0.1", 80);
  t.processURI(request.target.c_str(), request.method.c_str(),
               request.version.empty() ? "1.1" : request.version.c_str());
  int status = take_intervention(t);
  if (status == 0) {
    for (const Header& h : request.headers) t.addRequestHeader(h.name, h.value);
    t.processRequestHeaders();
    status = take_intervention(t);
  }
  if (status == 0) {
    if (!request.body.empty())
      t.appendRequestBody(reinterpret_cast<const unsigned char*>(request.body.data()),
                          request.body.size());
    t.processRequestBody();
    status = take_intervention(t);
  }
  t.processLogging();

  bool blocking_rule = false;
  int blocking_score = 0;
  std::vector<std::string> query_names;
  bool query_parsed = false;
  std::vector<std::string_view> tags;
  for (const modsecurity::RuleMessage& m : t.m_rulesMessages) {
    if (m.m_ruleId == kBlockingEvaluationRule) {
      blocking_rule = true;
      blocking_score = total_score(m.m_message);
      continue;
    }
    tags.assign(m.m_tags.begin(), m.m_tags.end());
    std::string type = attack_type_from_tags(tags);
    // multiMatch rules' messages come without tags (libmodsecurity 3.0.x);
    // 911100 (method not allowed) is tagged attack-generic only.
    if (type.empty()) type = attack_type_from_rule_id(m.m_ruleId);
    if (type.empty()) continue;
    std::string variable = variable_from_rule_message(m.m_match, m.m_data);
    if (!query_parsed && (variable.starts_with("ARGS:") || variable.starts_with("ARGS_NAMES:"))) {
      query_names = query_param_names(request.query());
      query_parsed = true;
    }
    std::string location =
        variable.empty() ? std::string("request") : location_from_variable(variable, query_names);
    bool seen = false;
    for (const Attack& a : findings.attacks)
      if (a.type == type && a.location == location) seen = true;
    if (!seen) findings.attacks.push_back(Attack{std::move(type), std::move(location), m.m_ruleId});
  }

  findings.attack = blocking_rule || status == 403;
  std::unique_ptr<std::string> score =
      t.m_collections.m_tx_collection->resolveFirst("anomaly_score");
  findings.anomaly_score = score ? parse_int(*score) : 0;
  if (findings.anomaly_score == 0) findings.anomaly_score = blocking_score;
  return findings;
}

}  // namespace

std::unique_ptr<ModSecurityDetector> ModSecurityDetector::create(const std::string& config_path,
                                                                 unsigned instances,
                                                                 std::string* err) {
  if (instances == 0) {
    if (err) *err = "modsecurity: at least one instance is needed";
    return nullptr;
  }
  try {
    // libmodsecurity's configuration parser keeps global state: one load at
    // a time in the process.
    static std::mutex parser_mutex;
    std::lock_guard parser_lock(parser_mutex);
    std::unique_ptr<ModSecurityDetector> detector(new ModSecurityDetector());
    detector->all_.reserve(instances);
    for (unsigned i = 0; i < instances; ++i) {
      std::unique_ptr<Instance> instance = load_instance(config_path, err);
      if (!instance) return nullptr;
      detector->free_.push_back(instance.get());
      detector->all_.push_back(std::move(instance));
    }
    return detector;
  } catch (const std::exception& e) {
    if (err) *err = std::string("modsecurity: ") + e.what();
    return nullptr;
  }
}

ModSecurityDetector::~ModSecurityDetector() = default;

ModSecurityDetector::Instance* ModSecurityDetector::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] { return !free_.empty(); });
  Instance* instance = free_.back();
  free_.pop_back();
  return instance;
}

void ModSecurityDetector::release(Instance* instance) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(instance);
  }
  available_.notify_one();
}

Findings ModSecurityDetector::inspect(const Message& request) {
  if (request.type != MessageType::request) return {};
  struct Borrowed {
    ModSecurityDetector* detector;
    Instance* instance;
    ~Borrowed() { detector->release(instance); }
  };
  try {
    Borrowed borrowed{this, acquire()};
    return run(*borrowed.instance, request);
  } catch (...) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return {};
  }
}

std::unique_ptr<Detector> make_modsecurity_detector(const std::string& config_path,
                                                    unsigned instances, std::string* err) {
  return ModSecurityDetector::create(config_path, instances, err);
}

}  // namespace node

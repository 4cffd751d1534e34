#include "estimators/engine_overhead.h"
#include "estimators/endpoint.h"
#include "estimators/engine_gemm.h"

#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/error.h"
#include "model/gemm_library.h"
#include "model/json_input.h"
#include "model/last_answer.h"
#include "model/presets.h"

namespace attncost {
namespace {

using nlohmann::json;

struct Rule {
  std::string name;
  double per_step_s = 0, per_request_s = 0, per_seq_step_s = 0, per_request_serial_s = 0;
  bool overlap_schedule = false;
  uint64_t cuda_graph_max_bs = 0;
  double eager_layer_s = 0;
  double chat_template_s = 0;  // of per_request_s, the chat endpoint's template rendering
  std::string gemm_library_fp8;  // the per-tensor fp8 GEMM library this release runs ("" = the engine's default)
};

struct EngineRules {
  std::string current;                   // "X.Y"
  std::vector<std::string> versions;     // in file order (oldest first)
  std::map<std::string, Rule> by_version;
};

double seconds(const json& j, const char* key, const std::string& what) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number() || !(it->get<double>() >= 0) || it->get<double>() > 10)
    throw InputError(fmt::format("{}: missing or invalid '{}'", what, key));
  return it->get<double>();
}

// Every engine's rules, built once from the embedded presets.
const std::map<EngineKind, EngineRules>& registry() {
  static const std::map<EngineKind, EngineRules> r = [] {
    std::map<EngineKind, EngineRules> out;
    for (const EmbeddedFile& f : presets_data::engines()) {
      const std::string what = fmt::format("engine preset '{}'", f.name);
      const json j = parse_user_json(f.text, what);
      EngineRules& er = out[parse_engine_kind(j.at("engine").get<std::string>())];
      er.current = j.at("current").get<std::string>();
      for (const json& rj : j.at("rules")) {
        Rule rule{rj.at("rule").get<std::string>(), seconds(rj, "per_step_s", what), seconds(rj, "per_request_s", what),
                  rj.contains("per_seq_step_s") ? seconds(rj, "per_seq_step_s", what) : 0.0,
                  rj.contains("per_request_serial_s") ? seconds(rj, "per_request_serial_s", what) : 0.0, false, 0, 0, 0, ""};
        if (rj.contains("overlap_schedule")) {
          if (!rj.at("overlap_schedule").is_boolean()) throw InputError(what + ": 'overlap_schedule' must be true or false");
          rule.overlap_schedule = rj.at("overlap_schedule").get<bool>();
        }
        if (rj.contains("cuda_graph_max_bs")) {
          const json& g = rj.at("cuda_graph_max_bs");
          if (!g.is_number_integer() || g.get<int64_t>() < 1) throw InputError(what + ": 'cuda_graph_max_bs' must be a positive integer");
          rule.cuda_graph_max_bs = g.get<uint64_t>();
          rule.eager_layer_s = seconds(rj, "eager_layer_s", what);
        }
        if (rj.contains("chat_template_s")) {
          rule.chat_template_s = seconds(rj, "chat_template_s", what);
          if (!rj.contains("chat_template_source") || rj.at("chat_template_source").get<std::string>().empty())
            throw InputError(what + ": chat_template_s without a chat_template_source");
        }
        if (rj.contains("gemm_library_fp8")) {
          rule.gemm_library_fp8 = rj.at("gemm_library_fp8").get<std::string>();
          (void)parse_gemm_library(rule.gemm_library_fp8);  // a name model/gemm_library.h knows
        }
        if (rule.chat_template_s > rule.per_request_s) throw InputError(what + ": chat_template_s is part of per_request_s and cannot exceed it");
        if (rule.per_request_serial_s > rule.per_request_s) throw InputError(what + ": per_request_serial_s is part of per_request_s and cannot exceed it");
        if (rj.at("source").get<std::string>().empty()) throw InputError(what + ": a rule without a source");
        for (const json& v : rj.at("versions")) {
          er.versions.push_back(v.get<std::string>());
          er.by_version[v.get<std::string>()] = rule;
        }
      }
      if (!er.by_version.contains(er.current)) throw InputError(what + ": 'current' names no rule's version");
    }
    return out;
  }();
  return r;
}

// "v0.11.0", "0.11", "0.5.5.post1", "1.2.0rc1" → "0.11", "0.5", "1.2"; "" when not MAJOR.MINOR….
std::string major_minor(const std::string& text) {
  size_t i = (!text.empty() && (text[0] == 'v' || text[0] == 'V')) ? 1 : 0;
  std::string out;
  int dots = 0;
  bool digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c, digit = true;
    } else if (c == '.' && digit && dots == 0) {
      out += c, ++dots, digit = false;
    } else {
      break;
    }
  }
  if (dots != 1 || !digit) return "";
  // Anything after MAJOR.MINOR must start a patch or pre-release part.
  const std::string rest = text.substr(i);
  if (!rest.empty() && rest[0] != '.' && rest.rfind("rc", 0) != 0 && rest.rfind("post", 0) != 0 && rest.rfind("dev", 0) != 0) return "";
  return out;
}

std::string ms_text(double s) { return fmt::format("{:.3g} ms", s * 1e3); }

}  // namespace

std::vector<std::string> engine_versions(EngineKind k) {
  const auto it = registry().find(k);
  return it == registry().end() ? std::vector<std::string>{} : it->second.versions;
}

namespace {

// Rule texts live here for the program's life (a std::set never moves its nodes).
std::string_view intern(const std::string& text) {
  static std::mutex mutex;
  static std::set<std::string> texts;
  const std::lock_guard<std::mutex> lock(mutex);
  return *texts.insert(text).first;
}

EngineOverhead resolve(const EngineConfig& e);

}  // namespace

Endpoint parse_endpoint(std::string_view text) {
  if (text == "chat") return Endpoint::chat;
  if (text == "completions") return Endpoint::completions;
  throw InputError(fmt::format("--endpoint '{}': expected chat (the OpenAI chat API, which renders the chat template) or completions (text sent as it is; SGLang's /generate too)", text));
}

double chat_template_s(const EngineConfig& e) {
  const auto it = registry().find(e.kind);
  if (it == registry().end()) return 0;
  const EngineRules& er = it->second;
  const auto r = er.by_version.find(e.version.empty() ? er.current : major_minor(e.version));
  return r == er.by_version.end() ? 0 : r->second.chat_template_s;
}

std::string_view engine_gemm_library_fp8(const EngineConfig& e) {
  const auto it = registry().find(e.kind);
  if (it == registry().end()) return "";
  const EngineRules& er = it->second;
  const auto r = er.by_version.find(e.version.empty() ? er.current : major_minor(e.version));
  return r == er.by_version.end() ? std::string_view() : std::string_view(r->second.gemm_library_fp8);
}

// Every estimate asks once; a sweep or a plan asks with the same engine thousands of times, so
// the last answer is kept per thread (the function is pure: same inputs, same rule).
EngineOverhead engine_overhead(const EngineConfig& e) {
  thread_local LastAnswer<std::tuple<EngineKind, std::string, double, double, double, double>, EngineOverhead> last;
  return last.get({e.kind, e.version, e.step_overhead_s, e.request_overhead_s, e.seq_overhead_s, e.request_serial_s}, [&] { return resolve(e); });
}

namespace {

EngineOverhead resolve(const EngineConfig& e) {
  EngineOverhead o;
  std::string rule;
  const auto it = registry().find(e.kind);
  if (it == registry().end()) {
    if (!e.version.empty()) throw InputError(fmt::format("--engine-version '{}': the {} engine has no releases (give --engine vllm, sglang or trtllm)", e.version, engine_name(e.kind)));
    rule = "none (plain engine)";
  } else {
    const EngineRules& er = it->second;
    const std::string v = e.version.empty() ? er.current : major_minor(e.version);
    const auto r = er.by_version.find(v);
    if (r == er.by_version.end()) {
      std::string known;
      for (const std::string& k : er.versions) known += (known.empty() ? "" : ", ") + k;
      throw InputError(fmt::format("--engine-version '{}': no overhead rule for {} at that release; known: {}", e.version, engine_name(e.kind), known));
    }
    o.per_step_s = r->second.per_step_s, o.per_request_s = r->second.per_request_s, o.per_seq_step_s = r->second.per_seq_step_s;
    o.per_request_serial_s = r->second.per_request_serial_s;
    o.overlap_schedule = r->second.overlap_schedule;
    o.cuda_graph_max_bs = r->second.cuda_graph_max_bs, o.eager_layer_s = r->second.eager_layer_s;
    rule = fmt::format("{} {}", r->second.name, v);
  }
  const bool given_step = e.step_overhead_s >= 0, given_request = e.request_overhead_s >= 0, given_seq = e.seq_overhead_s >= 0;
  if (given_step) o.per_step_s = e.step_overhead_s;
  if (given_request) o.per_request_s = e.request_overhead_s;
  if (given_seq) o.per_seq_step_s = e.seq_overhead_s;
  // The serial part is a share of the per-request time: given, it is taken as given (and the
  // per-request time raised to hold it); a given per-request time below the rule's serial part caps it.
  if (e.request_serial_s >= 0) {
    o.per_request_serial_s = e.request_serial_s;
    o.per_request_s = std::max(o.per_request_s, o.per_request_serial_s);
  } else {
    o.per_request_serial_s = std::min(o.per_request_serial_s, o.per_request_s);
  }
  if (given_step && given_request && given_seq) {
    rule = "given";
  } else {
    if (given_step) rule += ", per step given";
    if (given_seq) rule += ", per sequence given";
    if (given_request) rule += ", per request given";
  }
  if (e.request_serial_s >= 0 && rule != "given") rule += ", its serial part given";
  o.rule = intern(rule);
  return o;
}

}  // namespace

std::string engine_release(const EngineConfig& e) {
  const auto it = registry().find(e.kind);
  if (it == registry().end()) return "";
  (void)engine_overhead(e);  // refuses unknown releases
  return e.version.empty() ? it->second.current : major_minor(e.version);
}

bool release_at_least(const std::string& release, int major, int minor) {
  const size_t dot = release.find('.');
  if (dot == std::string::npos) return false;
  const int a = std::stoi(release.substr(0, dot)), b = std::stoi(release.substr(dot + 1));
  return a > major || (a == major && b >= minor);
}

std::string engine_overhead_text(const EngineOverhead& o) {
  std::string out = o.rule == "given" ? fmt::format("engine overhead: as given, {}/step", ms_text(o.per_step_s))
                                      : fmt::format("engine overhead: {} rule{}, {}/step", o.rule.substr(0, o.rule.find(", ")),
                                                    o.rule.find(", ") == std::string::npos ? "" : o.rule.substr(o.rule.find(", ")), ms_text(o.per_step_s));
  if (o.per_seq_step_s > 0) out += fmt::format(" + {:.3g} µs per sequence in the step", o.per_seq_step_s * 1e6);
  if (o.per_request_s > 0) out += fmt::format(", {}/request", ms_text(o.per_request_s));
  if (o.per_request_serial_s > 0) out += fmt::format(" ({} of it one request at a time)", ms_text(o.per_request_serial_s));
  return out;
}

}  // namespace attncost

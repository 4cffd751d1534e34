// estimate --explain: every substituted expression, evaluated by an independent little
// arithmetic parser, equals the value printed beside it, and the explained totals are the
// estimate's own numbers, over designs that exercise every operator kind.
#include <cmath>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "estimators/explain.h"
#include "model/presets.h"

using namespace attncost;

namespace {

// + - × / ^, parentheses, min/max/ceil/floor; numbers in C notation.
class Eval {
 public:
  explicit Eval(const std::string& s) : s_(s) {}
  double run() {
    const double v = expr();
    skip();
    if (pos_ != s_.size()) throw std::runtime_error("trailing text at " + std::to_string(pos_) + " in '" + s_ + "'");
    return v;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool eat(const std::string& t) {
    skip();
    if (s_.compare(pos_, t.size(), t) == 0) {
      pos_ += t.size();
      return true;
    }
    return false;
  }
  double expr() {
    double v = term();
    for (;;) {
      if (eat("+")) v += term();
      else if (eat("-")) v -= term();
      else return v;
    }
  }
  double term() {
    double v = power();
    for (;;) {
      if (eat("×")) v *= power();
      else if (eat("/")) v /= power();
      else return v;
    }
  }
  double power() {
    const double base = unary();
    if (eat("^")) return std::pow(base, unary());
    return base;
  }
  double unary() {
    if (eat("-")) return -unary();
    return primary();
  }
  double primary() {
    if (eat("(")) {
      const double v = expr();
      if (!eat(")")) throw std::runtime_error("missing ) in '" + s_ + "'");
      return v;
    }
    for (const char* f : {"min", "max", "ceil", "floor"}) {
      if (eat(f)) {
        if (!eat("(")) throw std::runtime_error("missing ( after function in '" + s_ + "'");
        double v = expr();
        while (eat(",")) {
          const double w = expr();
          v = std::string(f) == "min" ? std::min(v, w) : std::max(v, w);
        }
        if (!eat(")")) throw std::runtime_error("missing ) in '" + s_ + "'");
        if (std::string(f) == "ceil") return std::ceil(v);
        if (std::string(f) == "floor") return std::floor(v);
        return v;
      }
    }
    skip();
    size_t used = 0;
    const double v = std::stod(s_.substr(pos_), &used);
    pos_ += used;
    return v;
  }
  std::string s_;
  size_t pos_ = 0;
};

double find(const std::vector<ExplainSection>& sections, const std::string& quantity_prefix) {
  for (const auto& s : sections)
    for (const auto& l : s.lines)
      if (l.quantity.rfind(quantity_prefix, 0) == 0) return l.value;
  throw std::runtime_error("no explained quantity '" + quantity_prefix + "'");
}

}  // namespace

TEST_CASE("the evaluator itself", "[explain]") {
  REQUIRE(Eval("2 × (3 + 4) - 10 / 4").run() == 11.5);
  REQUIRE(Eval("max(1, min(5, 3)) + ceil(2.1) + floor(2.9)").run() == 8);
  REQUIRE(Eval("2 ^ 10 × 1.5e+2").run() == 153600);
}

TEST_CASE("every explained formula evaluates to its value, for every operator kind", "[explain]") {
  struct Setup {
    const char* model;
    DesignChoice choice;
    uint64_t ctx, batch, gen;
  };
  auto with = [](auto fn) {
    DesignChoice c;
    fn(c);
    return c;
  };
  const Setup setups[] = {
      {"llama-2-7b", {}, 8192, 4, 128},
      {"llama-3.1-8b", with([](DesignChoice& c) { c.attn = "window:4096*3/dense"; c.kv_dtype = Dtype::int4; }), 65536, 2, 0},
      {"llama-2-7b", with([](DesignChoice& c) { c.kernel = Kernel::naive; c.attn = "sinks:4+window:1024"; }), 4096, 1, 0},
      {"llama-2-70b", with([](DesignChoice& c) { c.tp = 16; }), 32768, 8, 512},
      {"deepseek-v2", {}, 16384, 2, 64},
      {"mixtral-8x7b", with([](DesignChoice& c) { c.attn = "strided:128+window:1024/axial/block:64/dense"; }), 20000, 3, 0},
      {"jamba-v0.1", {}, 100000, 1, 10},
      {"llama-2-7b", with([](DesignChoice& c) { c.attn = "linear*3/dense"; c.page_size = 0; }), 1000, 5, 7},
      {"lfm2-1.2b", {}, 4096, 2, 16},
      {"llama-2-7b", with([](DesignChoice& c) { c.attn = "shortconv:4*2/lightning/dense"; c.tp = 2; }), 3000, 3, 5},
  };
  for (const Setup& s : setups) {
    const ModelConfig m = load_model(s.model);
    const Design d = make_design(m, s.choice);
    Workload w;
    w.ctx = s.ctx, w.batch = s.batch, w.gen = s.gen;
    const GpuSpec gpu = load_gpu("h100-sxm");
    const Estimate e = estimate(m, d, w, gpu);
    const auto sections = explain(m, d, w, gpu, e);
    size_t lines = 0;
    for (const auto& sec : sections)
      for (const auto& l : sec.lines) {
        INFO(s.model << " " << design_label(d) << ": " << l.quantity << " = " << l.substituted);
        const double got = Eval(l.substituted).run();
        REQUIRE(std::isfinite(l.value));
        REQUIRE(got == Approx(l.value).epsilon(1e-9).margin(1e-12));
        ++lines;
      }
    INFO(s.model << " " << design_label(d));
    REQUIRE(lines > 30);
    // The explained totals are the estimate's own.
    REQUIRE(find(sections, "decode step time") == e.decode.time_s);
    REQUIRE(find(sections, "prefill time") == e.prefill.time_s);
    REQUIRE(find(sections, "memory per GPU") == e.memory.total_bytes);
    REQUIRE(find(sections, "KV bytes per sequence at ctx") == e.kv.bytes_per_sequence);
  }
}

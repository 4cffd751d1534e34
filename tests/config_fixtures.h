// Loading a collected config.json (tests/data/configs/) as a user passes it with --model, with the
// model's own design, and estimating it on an H200: the fixture of the real-config tests.
#pragma once
#include <string>

#include "estimators/estimate.h"
#include "model/presets.h"

namespace attncost::testing {

struct Loaded {
  ModelConfig model;
  Design design;
};

inline Loaded load(const std::string& file) {
  Loaded l{load_model(std::string(ATTNCOST_SOURCE_DIR) + "/tests/data/configs/" + file), {}};
  l.design = make_design(l.model);
  return l;
}

inline Estimate at(const Loaded& l, uint64_t ctx) {
  Workload w;
  w.ctx = ctx;
  return estimate(l.model, l.design, w, load_gpu("h200"));
}

}  // namespace attncost::testing

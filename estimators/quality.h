// Structural quality-risk proxies of a design (SPEC §5): what the mask and the cache can reach,
// computed from the same closed forms as the costs. They measure structure, not accuracy.
#pragma once
#include "estimators/estimate.h"

namespace attncost {

// `whole`: the design's shape on one GPU of TP 1 (shape_of(m, d, 1)), which the caller has.
Quality quality_proxies(const ModelConfig& m, const Design& d, const Workload& w, const Estimate& e, const Shape& whole);

}  // namespace attncost

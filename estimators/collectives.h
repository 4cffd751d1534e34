// Communication between GPUs, costed on the link it crosses: NCCL's ring algorithms in the
// alpha-beta model (each of the algorithm's steps pays the link's latency α, the bytes move at its
// one-way bandwidth β). Groups are placed on consecutive GPUs, TP innermost, then CP, then PP
// stages: a group that fits one scale-up domain (8 GPUs of an HGX board) talks over NVLink, a
// larger one over the network (docs/cost-model.md §15).
#pragma once
#include <cstdint>
#include <string>

#include "model/gpu_spec.h"

namespace attncost {

enum class Collective : uint8_t { all_reduce, all_gather, reduce_scatter, all_to_all, send_recv };

struct Link {
  double one_way_Bps = 0;
  double latency_s = 0;
  bool scale_up = true;
  std::string name;
};
// The link a group spread over `span` consecutive GPUs uses.
Link link_for(const GpuSpec& gpu, int64_t span);

struct CommCost {
  double bytes_sent = 0;  // per GPU
  double steps = 0;       // latency-bound steps of the algorithm
  double time_s = 0;      // steps·α + bytes_sent / β
};
// `bytes`: all-reduce and reduce-scatter: the buffer every GPU holds; all-gather: the gathered
// result; all-to-all: what every GPU holds and redistributes; send_recv: the message. `n` GPUs.
// Ring all-reduce: 2(n−1) steps of bytes/n; all-gather and reduce-scatter: n−1 steps of bytes/n;
// all-to-all: n−1 exchanges of bytes/n; send/recv: one step of bytes.
CommCost collective_cost(Collective c, double bytes, int64_t n, const Link& link);

}  // namespace attncost

#include "estimators/collectives.h"

namespace attncost {

Link link_for(const GpuSpec& gpu, int64_t span) {
  if (span <= gpu.scale_up_domain && gpu.scale_up.one_way_Bps > 0) return {gpu.scale_up.one_way_Bps, gpu.scale_up.latency_s, true, gpu.scale_up.name};
  if (gpu.scale_out.one_way_Bps > 0) return {gpu.scale_out.one_way_Bps, gpu.scale_out.latency_s, false, gpu.scale_out.name};
  return {gpu.scale_up.one_way_Bps, gpu.scale_up.latency_s, true, gpu.scale_up.name};  // no network described: the only link there is
}

CommCost collective_cost(Collective c, double bytes, int64_t n64, const Link& link) {
  CommCost out;
  if (n64 <= 1 && c != Collective::send_recv) return out;
  const double n = static_cast<double>(n64);
  switch (c) {
    case Collective::all_reduce: out.steps = 2 * (n - 1), out.bytes_sent = 2 * (n - 1) / n * bytes; break;
    case Collective::all_gather:
    case Collective::reduce_scatter: out.steps = n - 1, out.bytes_sent = (n - 1) / n * bytes; break;
    case Collective::all_to_all: out.steps = n - 1, out.bytes_sent = (n - 1) / n * bytes; break;
    case Collective::send_recv: out.steps = 1, out.bytes_sent = bytes; break;
  }
  out.time_s = out.steps * link.latency_s + (link.one_way_Bps > 0 ? out.bytes_sent / link.one_way_Bps : 0);
  return out;
}

}  // namespace attncost

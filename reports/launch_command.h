// The engine's launch command for a fleet option, as a user would paste it: `vllm serve`,
// SGLang's `launch_server`, `trtllm-serve`, with the option's parallelism, batch limits and
// memory fraction; a disaggregated fleet gets a prefill and a decode worker. Renders only.
#pragma once
#include <string>
#include <vector>

#include "estimators/fleet.h"

namespace attncost {

struct LaunchCommand {
  std::string role;     // "replica", "prefill worker", "decode worker"
  std::string command;  // one shell line
};

// The Hugging Face id the model came from when its source names one ("config.json of ORG/NAME"),
// the config file's folder for a file, else the model's name.
std::string launch_model_id(const ModelConfig& m);

// `max_model_len`: the longest request served (prompt + output).
std::vector<LaunchCommand> launch_commands(const ModelConfig& m, const FleetOption& o, uint64_t max_model_len);

}  // namespace attncost

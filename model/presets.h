// Built-in model and GPU presets: JSON files under model/presets/ compiled into the binary.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model/gpu_spec.h"
#include "model/model_config.h"

namespace attncost {

struct EmbeddedFile {
  const char* name;   // file name without .json: the preset's name
  const char* text;
};

namespace presets_data {
const std::vector<EmbeddedFile>& models();
const std::vector<EmbeddedFile>& gpus();
const std::vector<EmbeddedFile>& kernels();
const std::vector<EmbeddedFile>& classes();  // transformers class defaults (model/class_defaults.h)
const std::vector<EmbeddedFile>& engines();  // per-engine overhead rules by release (estimators/engine_overhead.h)
const std::vector<EmbeddedFile>& bands();    // held-out error bands by architecture and kernel kind (estimators/uncertainty.h)
}  // namespace presets_data

std::vector<std::string> model_preset_names();
std::vector<std::string> gpu_preset_names();

// A preset by name (case-insensitive), or a path to a config.json / profile.json when the
// argument names a file. An unknown name throws InputError suggesting the closest names.
ModelConfig load_model(std::string_view name_or_path);
GpuSpec load_gpu(std::string_view name_or_path);

// The closest names to `wanted` among `names` (edit distance), for "did you mean" messages.
std::vector<std::string> closest_names(std::string_view wanted, const std::vector<std::string>& names, size_t count = 3);

}  // namespace attncost

#include "cuda_probe/cuda_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace attncost::probe {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleName = "attncost-cuda.so";

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::string cuda_module_path() {
  if (const char* env = std::getenv("ATTNCOST_CUDA_MODULE"); env && *env) return env;
  const fs::path dir = executable_dir();
  if (dir.empty()) return "";
  std::error_code ec;
  for (const fs::path& candidate : {dir / kModuleName, dir / ".." / "lib" / "attncost" / kModuleName})
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  return "";
}

std::unique_ptr<Backend> load_cuda_backend(std::string* why) {
  auto fail = [&](std::string text) -> std::unique_ptr<Backend> {
    if (why) *why = std::move(text);
    return nullptr;
  };
  const std::string path = cuda_module_path();
  if (path.empty())
    return fail(fmt::format("this attncost has no CUDA backend ({} is not beside the binary: it is built only where nvcc is found, by "
                            "`cmake --build build --target attncost_cuda` or scripts/test.sh; scripts/build.sh skips it)",
                            kModuleName));
  // Loaded once for the life of the process: CUDA's runtime does not support being unloaded.
  void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module) {
    const char* err = ::dlerror();
    return fail(fmt::format("cannot load the CUDA backend {}: {}", path, err ? err : "unknown error"));
  }
  using AbiFn = int (*)();
  using CreateFn = Backend* (*)(char*, size_t);
  auto abi = reinterpret_cast<AbiFn>(::dlsym(module, "attncost_cuda_backend_abi"));
  auto create = reinterpret_cast<CreateFn>(::dlsym(module, "attncost_cuda_backend_create"));
  if (!abi || !create) return fail(fmt::format("{} is not an attncost CUDA backend (its entry points are missing)", path));
  if (abi() != kBackendAbi)
    return fail(fmt::format("{} was built for another version of attncost (backend ABI {}, this binary needs {}); rebuild it", path, abi(),
                            kBackendAbi));
  char message[512] = "";
  Backend* backend = create(message, sizeof message);
  if (!backend) return fail(message[0] ? message : "the CUDA backend found no usable device");
  return std::unique_ptr<Backend>(backend);
}

}  // namespace attncost::probe

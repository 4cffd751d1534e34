// Which API a benchmark's clients call, and what that changes in the engine's time per request.
// The engine rules' per-request time (model/presets/engines/*.json) is the OpenAI chat endpoint's,
// which renders the model's chat template before tokenizing; a completions request (or SGLang's
// native /generate) sends text as it is and skips that work. Pure; the rule's part is data.
#pragma once
#include <cstdint>
#include <string_view>

#include "model/engine.h"

namespace attncost {

enum class Endpoint : uint8_t { chat, completions };

// "chat" | "completions"; throws InputError naming --endpoint otherwise.
Endpoint parse_endpoint(std::string_view text);

// Of the rule's per-request time, what the chat template takes (0 where the rule has none measured).
double chat_template_s(const EngineConfig& e);

}  // namespace attncost

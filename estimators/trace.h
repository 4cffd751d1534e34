// Request traces as users bring them: a CSV with a header or JSON lines, one request per row —
// an arrival time, prompt tokens and output tokens — including the published Azure LLM inference
// traces (TIMESTAMP as a date and time, ContextTokens, GeneratedTokens). Arrival times become
// seconds from the first request. Pure: the caller reads the file.
#pragma once
#include <string_view>
#include <vector>

#include "estimators/arrivals.h"

namespace attncost {

// Column (or key) names understood, case-insensitively:
//   arrival: arrival_s, arrival_time, timestamp, time   (seconds, or "YYYY-MM-DD HH:MM:SS[.frac]")
//   prompt:  prompt_tokens, prompt_len, input_tokens, input_len, contexttokens
//   output:  output_tokens, output_len, generated_tokens, generatedtokens
// Throws InputError naming `what`, the line and the field on anything malformed.
std::vector<SimRequest> parse_trace(std::string_view text, std::string_view what);

// Request lengths without arrival times, replayed in order at a generated rate: the same CSV or
// JSON-lines columns (an arrival column is ignored), or vLLM's benchmark_serving result document
// (--save-result: `input_lens`, `output_lens`), so a published run's exact lengths can be replayed.
std::vector<SimRequest> parse_lengths(std::string_view text, std::string_view what);

}  // namespace attncost

// attncost's version and the git commit it was built from. Defined in a generated source file
// (cmake/WriteVersion.cmake), so that a new commit recompiles one file, not every includer.
#pragma once

namespace attncost {

extern const char* const kVersion;
extern const char* const kCommit;

}  // namespace attncost

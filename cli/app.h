// The whole command line in one call, so that main() and the CLI fuzzer share it.
#pragma once

namespace attncost {

int attncost_main(int argc, char** argv);

}  // namespace attncost

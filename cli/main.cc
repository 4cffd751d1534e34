// attncost: see cli/app.cc.
#include "cli/app.h"

int main(int argc, char** argv) { return attncost::attncost_main(argc, argv); }

// How the flat row (CSV and JSON lines) writes a number: integral values through the integer
// path, the rest as the shortest text that reads back to the same double, exactly as fmt's "{}"
// writes it. Declared apart so a test can hold it to fmt byte for byte.
#pragma once

namespace attncost {

// Writes finite `v` at `p` (at most 32 characters) and returns the end.
char* write_row_number(char* p, double v);
// fmt's "{}" text of a finite double, written without fmt's generic padding and grouping code:
// Dragonbox's shortest digits placed as fmt places them (fixed notation for decimal exponents in
// [-4, 16), else d.ddde±XX). At most 25 characters.
char* write_shortest_double(char* p, double v);

}  // namespace attncost

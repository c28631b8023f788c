#pragma once
// Allocations of this program so far (operator new, and malloc outside sanitizer builds;
// defined in its own unit so the compiler never sees new and free paired inline).
long allocations_so_far();
// False in sanitizer builds: only operator new is counted there.
extern const bool kCountsMalloc;

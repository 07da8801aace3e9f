#ifndef TRAIL_MALLOC_COUNTER_H
#define TRAIL_MALLOC_COUNTER_H

/// Number of allocation calls (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign)
/// made by any thread of this process since it started. `free` is not counted.
long trail_malloc_count(void);

#endif

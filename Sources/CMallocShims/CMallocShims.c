#include "CMallocShims.h"

// Any libc header defines __GLIBC__ when the C library is glibc (musl has no mallopt).
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>

int portico_malloc_tune(int max_arenas, int mmap_threshold) {
    return mallopt(M_ARENA_MAX, max_arenas) == 1 && mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1;
}

int portico_malloc_trim(void) { return malloc_trim(0); }

unsigned long long portico_malloc_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return (unsigned long long)info.uordblks + (unsigned long long)info.hblkhd;
}
#else
unsigned long long portico_malloc_in_use(void) { return 0; }
int portico_malloc_tune(int max_arenas, int mmap_threshold) { (void)max_arenas; (void)mmap_threshold; return 0; }
int portico_malloc_trim(void) { return 0; }
#endif

#ifndef PORTICO_CMALLOCSHIMS_H
#define PORTICO_CMALLOCSHIMS_H

/// glibc's malloc.h is not part of Swift's Glibc module; these are the two calls Portico needs.

/// Caps the number of malloc arenas and pins the mmap threshold (so that large blocks, once freed,
/// go back to the system instead of raising the threshold). Returns 1 on success.
int portico_malloc_tune(int max_arenas, int mmap_threshold);

/// Returns free pages at the top of the heap and inside it to the system. Returns 1 if any were.
int portico_malloc_trim(void);

/// Bytes the program holds through malloc now (in-use heap chunks plus mmapped blocks).
unsigned long long portico_malloc_in_use(void);

#endif

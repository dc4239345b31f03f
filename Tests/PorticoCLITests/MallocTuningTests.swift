import CMallocShims
import Testing

/// `portico run` caps glibc's arenas and pins the mmap threshold; these calls must really reach
/// glibc (a shim compiled without it silently does nothing).
struct MallocTuningTests {
    @Test func tuningAndTrimReachGlibc() {
        // 0 means the shim was compiled without glibc's malloc.h: the calls would do nothing.
        #expect(portico_malloc_tune(2, 1 << 20) == 1)
        // While a 4 MiB block is held, malloc counts at least that much in use (other threads may
        // free memory meanwhile, so no comparison with an earlier reading).
        let block = [UInt8](repeating: 1, count: 4 << 20)
        #expect(portico_malloc_in_use() >= 4 << 20)
        _ = portico_malloc_trim()
        #expect(block.count == 4 << 20)
    }
}

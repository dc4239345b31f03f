import CMallocShims
import Testing

/// `portico run` caps glibc's arenas and pins the mmap threshold; these calls must really reach
/// glibc (a shim compiled without it silently does nothing).
struct MallocTuningTests {
    @Test func tuningAndTrimReachGlibc() {
        #expect(portico_malloc_tune(2, 1 << 20) == 1)
        #expect(portico_malloc_in_use() > 0)
        // With the threshold pinned at 1 MiB, a 4 MiB block is mapped on its own and counted in
        // use while held.
        let before = portico_malloc_in_use()
        let block = [UInt8](repeating: 1, count: 4 << 20)
        #expect(portico_malloc_in_use() >= before + (4 << 20))
        #expect(block.count == 4 << 20)
    }
}

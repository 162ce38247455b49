package io.jmio.examples.demo

/**
 * Counts latencies (nanoseconds) in log-linear buckets, 64 per power of two: percentiles within
 * about 1.6%, in fixed memory, however many samples. Not thread-safe.
 */
class LatencyHistogram {
    private val counts = LongArray(BUCKETS)

    var count: Long = 0
        private set

    fun record(nanos: Long) {
        counts[index(nanos.coerceAtLeast(0))]++
        count++
    }

    /** The latency at or below which [fraction] of the samples fall (0 if there are none). */
    fun percentile(fraction: Double): Long {
        require(fraction in 0.0..1.0) { "fraction must be in [0, 1]: $fraction" }
        if (count == 0L) return 0
        val rank = maxOf(1L, Math.ceil(fraction * count).toLong())
        var seen = 0L
        for (i in counts.indices) {
            seen += counts[i]
            if (seen >= rank) return (lowerBound(i) + lowerBound(i + 1)) / 2
        }
        error("unreachable: $rank of $count")
    }

    private companion object {
        const val SUB_BUCKETS = 64
        const val BUCKETS = 58 * SUB_BUCKETS + 1

        fun index(value: Long): Int {
            if (value < SUB_BUCKETS) return value.toInt()
            val shift = 63 - java.lang.Long.numberOfLeadingZeros(value) - 6
            return (shift + 1) * SUB_BUCKETS + ((value ushr shift) and 63).toInt()
        }

        fun lowerBound(index: Int): Long {
            if (index < SUB_BUCKETS) return index.toLong()
            val shift = index / SUB_BUCKETS - 1
            return (SUB_BUCKETS + (index % SUB_BUCKETS).toLong()) shl shift
        }
    }
}

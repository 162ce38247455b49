package io.jmio.examples.demo

import io.jmio.examples.serverThreads
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.ByteArrayOutputStream
import java.io.PrintStream

class DemoTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("the demo measures round trips and latency, prints the table, and leaves nothing running") {
        val output = ByteArrayOutputStream()
        val result = PrintStream(output, true, "UTF-8").use { Demo(threads = 1, connections = 8, seconds = 1).run(it) }
        result.roundTrips shouldBeGreaterThan 0
        result.latency.count shouldBe result.roundTrips
        result.latency.percentile(0.99) shouldBeGreaterThan 0
        val table = output.toString("UTF-8")
        table shouldContain "8 client coroutines"
        table shouldContain "connections | round trips/s | p50 latency | p99 latency"
        serverThreads() shouldBe emptySet()
    }

    test("percentiles come from log-linear buckets within 2%") {
        val histogram = LatencyHistogram()
        for (micros in 1..1000) histogram.record(micros * 1_000L)
        histogram.percentile(0.5) shouldBeInRange 490_000L..510_000L
        histogram.percentile(0.99) shouldBeInRange 970_000L..1_010_000L
        histogram.percentile(1.0) shouldBeInRange 980_000L..1_020_000L
        LatencyHistogram().percentile(0.5) shouldBe 0
        histogram.record(0)
        histogram.percentile(0.0) shouldBe 0
    }
})

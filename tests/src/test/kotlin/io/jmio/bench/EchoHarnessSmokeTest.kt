package io.jmio.bench

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import kotlin.time.Duration.Companion.seconds

/**
 * Runs the echo comparison harness end to end in its smallest mode (the C reference and Java NIO,
 * one scenario, 1 s windows) and checks it produces its table. Numbers are not judged here: this
 * machine is shared and noisy; only that every stage ran (gcc, pinning, servers, load generator,
 * samples, report) and that the figures are real, positive measurements.
 */
class EchoHarnessSmokeTest : FunSpec({
    test("smoke mode measures C and NIO and prints a table of ratios to C")
        .config(enabledIf = { onPath("gcc") && onPath("taskset") }, timeout = 120.seconds) {
            val out = tempdir()
            val run = runHarness("io.jmio.benchmarks.echo.harness.EchoHarness", out, 100, "--smoke")
            val table = run.report
            withClue(run.log) { run.exitCode shouldBe 0 }

            table shouldContain "| server | 50 × 64 B |"
            table shouldContain "| C epoll (reference) | 1.00 ("
            val nio = table.lines().first { it.startsWith("| Java NIO Selector | ") }
            // ratio to C, then the absolute rate: "| Java NIO Selector | 0.87 (41,234/s) |"
            nio shouldMatch Regex("""\| Java NIO Selector \| \d+\.\d\d \([\d,]*[1-9][\d,]*/s\) \|""")

            val written = out.listFiles().orEmpty().filter { it.name.startsWith("echo-") }
            written.map { it.extension }.sorted() shouldBe listOf("csv", "md")
            written.first { it.extension == "md" }.readText() shouldContain nio
            val rows = written.first { it.extension == "csv" }.readLines().drop(1).filter { it.isNotBlank() }
            rows shouldHaveSize 2
            rows.forEach { it shouldMatch Regex("""1,(c|nio),50x64,50,64,\d+\.\d,.*,""") }
        }
})

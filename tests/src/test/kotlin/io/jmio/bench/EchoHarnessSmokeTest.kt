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
 * samples, report) and that the figures are real, positive measurements. The lines suite runs the
 * same way with the jmio line server (the peers' line servers need Netty and Ktor, which this
 * module's classpath leaves out).
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

    test("lines smoke mode echoes checked lines through C and jmio's StreamReader/Writer, with heap per line")
        .config(enabledIf = { onPath("gcc") && onPath("taskset") }, timeout = 120.seconds) {
            val out = tempdir()
            val run = runHarness("io.jmio.benchmarks.echo.harness.EchoHarness", out, 100, "--lines", "--smoke")
            val table = run.report
            withClue(run.log) { run.exitCode shouldBe 0 }

            table shouldContain "### Line echo comparison"
            table shouldContain "| C epoll (byte echo, reference) | 1.00 ("
            val jmio = table.lines().first { it.startsWith("| jmio StreamReader/Writer") && it.count { c -> c == '|' } == 3 }
            jmio shouldMatch Regex("""\| jmio StreamReader/Writer( \(JNA\))? \| \d+\.\d\d \([\d,]*[1-9][\d,]*/s\) \|""")
            // The scenario table's heap column: a JVM server allocates something per line (its String at least).
            val detail = table.lines().last { it.startsWith("| jmio StreamReader/Writer") }
            detail shouldMatch Regex(""".* \| [\d,]*[1-9][\d,]* B \| 1 \| — \|""")

            val written = out.listFiles().orEmpty().filter { it.name.startsWith("echo-lines-") }
            written.map { it.extension }.sorted() shouldBe listOf("csv", "md")
            val rows = written.first { it.extension == "csv" }.readLines().drop(1).filter { it.isNotBlank() }
            rows shouldHaveSize 2
            rows.forEach { it shouldMatch Regex("""1,(c|jmio-lines),50x64,50,64,\d+\.\d,.*,""") }
        }
})

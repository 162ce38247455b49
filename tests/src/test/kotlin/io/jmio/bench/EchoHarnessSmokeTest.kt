package io.jmio.bench

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import java.io.File
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

/**
 * Runs the echo comparison harness end to end in its smallest mode (the C reference and Java NIO,
 * one scenario, 1 s windows) and checks it produces its table. Numbers are not judged here: this
 * machine is shared and noisy; only that every stage ran (gcc, pinning, servers, load generator,
 * samples, report) and that the figures are real, positive measurements.
 */
class EchoHarnessSmokeTest : FunSpec({
    fun onPath(program: String) = System.getenv("PATH").orEmpty().split(File.pathSeparator)
        .any { it.isNotEmpty() && File(it, program).canExecute() }

    test("smoke mode measures C and NIO and prints a table of ratios to C")
        .config(enabledIf = { onPath("gcc") && onPath("taskset") }, timeout = 120.seconds) {
            val out = tempdir()
            val stdout = File(out, "stdout.txt")
            val stderr = File(out, "stderr.txt")
            val java = File(System.getProperty("java.home"), "bin/java").path
            val process = ProcessBuilder(
                java, "-cp", System.getProperty("java.class.path"),
                "io.jmio.benchmarks.echo.harness.EchoHarness", "--smoke", "--out", out.path,
            ).redirectOutput(stdout).redirectError(stderr).start()
            try {
                process.waitFor(100, TimeUnit.SECONDS).shouldBeTrue()
            } finally {
                process.descendants().forEach { it.destroyForcibly() }
                process.destroyForcibly()
            }
            val table = stdout.readText()
            withClue(stderr.readText()) { process.exitValue() shouldBe 0 }

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

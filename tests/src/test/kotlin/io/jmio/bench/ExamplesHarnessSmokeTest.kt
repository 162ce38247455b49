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
 * Runs the examples comparison harness end to end in its smallest mode (kv against redis-server on
 * GET with and without -P 16, and wrk through haproxy, the proxy example both ways, and direct, 1 s windows) and checks it
 * produces its tables. Numbers are not judged here: this machine is shared and noisy; only that every
 * stage ran (pinning, redis-server, the examples, redis-benchmark and wrk with their outputs parsed,
 * CPU samples, report) and that the figures are real, positive measurements.
 */
class ExamplesHarnessSmokeTest : FunSpec({
    val tools = listOf("taskset", "redis-server", "redis-benchmark", "wrk", "haproxy")

    test("smoke mode measures kv against redis-server and the proxy against haproxy, and prints their tables")
        .config(enabledIf = { tools.all(::onPath) }, timeout = 150.seconds) {
            val out = tempdir()
            val run = runHarness("io.jmio.benchmarks.examples.ExamplesHarness", out, 130, "--smoke")
            val report = run.report
            withClue(run.log + report) { run.exitCode shouldBe 0 }

            // "| GET -P 16 | redis-server (reference) | 397,370/s | 1.00 | 303 µs | 990 µs | 0.55 µs | 1.00 | 1 | — |"
            // and, for the next contender of the same test, "|  | jmio kv | ...": ratio and CPU ratio to the
            // reference, which may have used less than one clock tick of CPU (then "n/a"). Suites with a JVM
            // server also show its heap per request ("1,234 B"; "—" for redis-server and haproxy).
            val figures = """[\d,]*[1-9][\d,]*/s \| \d+\.\d\d \| [\d,]+ µs \| [\d,]+ µs \| [\d,]+\.\d\d µs \| (\d+\.\d\d|n/a) \| (([\d,]+ B|—) \| )?1 \| — \|"""
            fun row(test: String, server: String) = Regex("""\| ${Regex.escape(test)} \| ${Regex.escape(server)} \| $figures""")
            val lines = report.lines()
            lines.filter { it.matches(row("GET", "redis-server (reference)")) } shouldHaveSize 1
            lines.filter { it.matches(row("GET -P 16", "redis-server (reference)")) } shouldHaveSize 1
            lines.filter { it.matches(row("", "jmio kv")) } shouldHaveSize 2
            lines.filter { it.matches(row("GET / (wrk -c 50)", "haproxy, mode tcp, 1 thread (reference)")) } shouldHaveSize 1
            val proxied = lines.filter { it.matches(row("", "jmio proxy (splice)")) }
            proxied shouldHaveSize 1
            lines.filter { it.matches(row("", "jmio proxy --forward copy")) } shouldHaveSize 1
            lines.filter { it.matches(row("", "no proxy: wrk to the server directly")) } shouldHaveSize 1
            lines.filter { it.contains("(reference) | ") }.forEach { it shouldContain "/s | 1.00 | " }
            report shouldContain "**Method.**"

            val written = out.listFiles().orEmpty().filter { it.name.startsWith("examples-") }
            written.map { it.extension }.sorted() shouldBe listOf("csv", "md")
            written.first { it.extension == "md" }.readText() shouldContain proxied.single()
            val rows = written.first { it.extension == "csv" }.readLines().drop(1).filter { it.isNotBlank() }
            rows shouldHaveSize 8
            rows.forEach {
                it shouldMatch Regex("""1,(kv,get-P(1|16),(redis|jmio-kv)|proxy,wrk-c50,(haproxy|proxied|proxied-copy|direct)),\d+,\d+\.\d,\d+,\d+,\d+\.\d{3},\d+\.\d{3},(\d+(\.\d+)?)?,""")
            }
        }
})

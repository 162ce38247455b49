package io.jmio.bench

import io.kotest.matchers.booleans.shouldBeTrue
import java.io.File
import java.util.concurrent.TimeUnit

/** What a harness run left behind: its exit code, its report (stdout) and its progress log (stderr). */
internal class HarnessRun(val exitCode: Int, val report: String, val log: String)

/** Whether [program] is an executable on the PATH: the harness smoke tests skip without their tools. */
internal fun onPath(program: String): Boolean = System.getenv("PATH").orEmpty().split(File.pathSeparator)
    .any { it.isNotEmpty() && File(it, program).canExecute() }

/**
 * Runs the harness [mainClass] on this test's classpath with [args] plus `--out [out]`, waiting at most
 * [seconds]; whatever it started is killed afterwards, finished or not.
 */
internal fun runHarness(mainClass: String, out: File, seconds: Long, vararg args: String): HarnessRun {
    val stdout = File(out, "stdout.txt")
    val stderr = File(out, "stderr.txt")
    val java = File(System.getProperty("java.home"), "bin/java").path
    val process = ProcessBuilder(listOf(java, "-cp", System.getProperty("java.class.path"), mainClass) + args + listOf("--out", out.path))
        .redirectOutput(stdout).redirectError(stderr).start()
    try {
        process.waitFor(seconds, TimeUnit.SECONDS).shouldBeTrue()
    } finally {
        process.descendants().forEach { it.destroyForcibly() }
        process.destroyForcibly()
    }
    return HarnessRun(process.exitValue(), stdout.readText(), stderr.readText())
}

package io.jmio.reliability

import java.io.File
import java.lang.management.ManagementFactory
import java.nio.file.Files
import java.util.concurrent.TimeUnit

/** What a child JVM did: its exit code, everything it printed, and any fatal-error logs it left. */
class ChildResult(val exitCode: Int, val output: List<String>, val crashLogs: List<String>) {
    /** The value of the last `key=value` line the child printed, or null. */
    fun value(key: String): String? = output.lastOrNull { it.startsWith("$key=") }?.substringAfter('=')

    override fun toString(): String =
        "exit $exitCode, crash logs $crashLogs, output:\n" + output.takeLast(60).joinToString("\n")
}

/**
 * Runs [mainClass] in a child JVM of this JDK, with this JVM's class path and jmio settings
 * (backend choice, native access), so a segfault kills the child and not the test run. The child's
 * fatal-error log (hs_err) goes to a temp dir and is reported. Bounded by [timeoutSeconds]; the
 * temp dir is removed afterwards.
 */
fun runChildJvm(
    mainClass: String,
    args: List<String>,
    timeoutSeconds: Long,
    heap: String = "-Xmx512m",
): ChildResult {
    val dir = Files.createTempDirectory("jmio-child")
    try {
        val out = dir.resolve("out")
        val command = childJavaCommand(mainClass, args, heap, "-XX:ErrorFile=${dir.resolve("hs_err_%p.log")}")
        val process = ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start()
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
            error("child JVM $mainClass did not finish within $timeoutSeconds s:\n" + Files.readAllLines(out).takeLast(60).joinToString("\n"))
        }
        val crashLogs = dir.toFile().listFiles().orEmpty().filter { it.name.startsWith("hs_err") }.map { it.readText().take(4000) }
        return ChildResult(process.exitValue(), Files.readAllLines(out), crashLogs)
    } finally {
        dir.toFile().deleteRecursively()
    }
}

/** `java` of this JDK running [mainClass] with this JVM's class path and jmio options, then [extra] options. */
fun childJavaCommand(mainClass: String, args: List<String>, heap: String = "-Xmx512m", vararg extra: String): List<String> =
    listOf(File(System.getProperty("java.home"), "bin/java").path, heap) + inheritedJvmOptions() + extra +
        listOf("-cp", System.getProperty("java.class.path"), mainClass) + args

/** The options of this JVM a child must share: jmio's backend choice and native access for FFM. */
private fun inheritedJvmOptions(): List<String> {
    val mine = ManagementFactory.getRuntimeMXBean().inputArguments
    val inherited = mine.filter { it.startsWith("--enable-native-access") || it.startsWith("-Djmio.") }.toMutableList()
    System.getProperty("jmio.backend")?.takeIf { it.isNotEmpty() }?.let { inherited += "-Djmio.backend=$it" }
    return inherited.distinct()
}

/** A long-run knob: the system property [name] as a number, or [default] when absent. */
fun longProperty(name: String, default: Long): Long = System.getProperty(name)?.toLongOrNull() ?: default

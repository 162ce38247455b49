package io.jmio.sys

import io.jmio.Jmio
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.minutes

private val feature = Runtime.version().feature()

/** What a fresh JVM chose: [BackendProbe]'s answer and, when asked for, its class-loading log. */
private class Probe(val answer: String, val classLog: String)

/** Starts [BackendProbe] in a child JVM of this JDK with [jvmArgs]; bounded in time, cleans up. */
private fun probe(vararg jvmArgs: String, logClasses: Boolean = false): Probe {
    val dir = Files.createTempDirectory("jmio-probe")
    try {
        val out = dir.resolve("out")
        val log = dir.resolve("classes")
        val command = mutableListOf(Paths.get(System.getProperty("java.home"), "bin", "java").toString())
        command += jvmArgs
        if (logClasses) command += "-Xlog:class+load:file=$log"
        command += listOf("-cp", System.getProperty("java.class.path"), BackendProbe::class.java.name)
        val process = ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start()
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
            error("probe JVM did not finish in 60 s: $command")
        }
        val output = Files.readAllLines(out)
        check(process.exitValue() == 0) { "probe JVM exited with ${process.exitValue()}: $output" }
        return Probe(output.last(), if (logClasses) String(Files.readAllBytes(log)) else "")
    } finally {
        dir.toFile().deleteRecursively()
    }
}

/** JDK 22+'s `Module.isNativeAccessEnabled()`, by reflection so this compiles for JDK 17. */
private fun nativeAccessEnabled(): Boolean =
    Module::class.java.getMethod("isNativeAccessEnabled").invoke(Jmio::class.java.module) as Boolean

class BackendSelectionTest : FunSpec({
    test("the active backend is the one this run expects, so a silent fallback cannot pass") {
        val expected = System.getProperty("jmio.expectBackend").orEmpty().ifEmpty {
            val forced = System.getProperty("jmio.backend").orEmpty()
            when {
                forced.isNotEmpty() -> forced
                feature >= 22 && nativeAccessEnabled() -> "ffm"
                else -> "jna"
            }
        }
        Jmio.backend() shouldBe expected
        Syscalls.require().name() shouldBe expected
    }

    context("which platforms are accepted") {
        test("x86-64 and aarch64 Linux, under each name the JVMs report") {
            for (arch in listOf("amd64", "x86_64", "aarch64")) {
                Backends.unsupportedReason("Linux", true, arch, "") shouldBe null
            }
        }

        test("another 64-bit Linux is unsupported, with the same clear reason: its constants differ") {
            for (arch in listOf("mips64", "mips64el", "sparcv9", "sparc64", "ppc64le", "s390x", "riscv64", "loongarch64")) {
                val reason = Backends.unsupportedReason("Linux", true, arch, "")
                reason shouldContain "x86-64 and aarch64"
                reason shouldContain arch
            }
        }

        test("another operating system and a 32-bit JVM say so") {
            Backends.unsupportedReason("Mac OS X", true, "aarch64", "") shouldContain "Linux (epoll) only"
            Backends.unsupportedReason("Linux", false, "arm", "") shouldContain "64-bit JVM"
        }
    }

    context("a fresh JVM").config(timeout = 5.minutes) {
        test("an unknown -Djmio.backend is a clear error naming the choices") {
            val answer = probe("-Djmio.backend=panama").answer
            answer shouldStartWith "unsupported:"
            answer shouldContain "use jna or ffm"
        }

        test("-Djmio.backend=jna gives JNA on any JDK") {
            probe("-Djmio.backend=jna", "--enable-native-access=ALL-UNNAMED").answer shouldBe "jna"
        }

        test("-Djmio.backend=ffm before JDK 22 is a clear error naming the JDK it needs").config(enabled = feature < 22) {
            val answer = probe("-Djmio.backend=ffm").answer
            answer shouldStartWith "unsupported:"
            answer shouldContain "JDK 22 or newer"
        }

        test("without native access the automatic choice is JNA").config(enabled = feature >= 22) {
            probe().answer shouldBe "jna"
        }

        test("with native access on JDK 22+ the automatic choice is FFM, and JNA is never loaded")
            .config(enabled = feature >= 22) {
                val probe = probe("--enable-native-access=ALL-UNNAMED", logClasses = true)
                probe.answer shouldBe "ffm"
                probe.classLog shouldContain "io.jmio.sys.FfmSyscalls"
                probe.classLog shouldNotContain "com.sun.jna"
            }

        test("-Djmio.backend=ffm on JDK 22+ gives FFM").config(enabled = feature >= 22) {
            probe("-Djmio.backend=ffm", "--enable-native-access=ALL-UNNAMED").answer shouldBe "ffm"
        }

        test("-Djmio.backend=ffm where native access is denied is an error saying how to grant it")
            .config(enabled = feature >= 24) {
                val answer = probe("-Djmio.backend=ffm", "--illegal-native-access=deny").answer
                answer shouldStartWith "unsupported:"
                answer shouldContain "--enable-native-access=ALL-UNNAMED"
            }
    }
})

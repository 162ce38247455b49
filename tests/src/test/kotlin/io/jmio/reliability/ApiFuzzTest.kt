package io.jmio.reliability

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * Random calls with random arguments on random jmio objects, in a child JVM so that a native crash
 * (the failure JNA turns a wrong address into) fails this test instead of killing the run.
 * `-Djmio.fuzz.calls=1000000` and `-Djmio.fuzz.seed=N` (through `-Djmio.test.argLine=...`) set
 * the length and the seed; the seed is printed so a failure can be replayed.
 */
class ApiFuzzTest : FunSpec({
    val calls = longProperty("jmio.fuzz.calls", 200_000)
    val seed = longProperty("jmio.fuzz.seed", System.nanoTime())
    timeout = (calls / 100 + 120) * 1000

    test("$calls random API calls (seed $seed) end only in documented exceptions and never crash the JVM") {
        println("ApiFuzzTest: seed=$seed calls=$calls")
        val started = System.nanoTime()
        val result = runChildJvm(ApiFuzzer::class.java.name, listOf(seed.toString(), calls.toString()), timeoutSeconds = calls / 100 + 100)
        val seconds = (System.nanoTime() - started) / 1e9
        println("ApiFuzzTest: %.1f s; ".format(seconds) + result.output.filter { '=' in it && !it.startsWith("\t") }.joinToString(", "))
        check(result.crashLogs.isEmpty()) { "the child JVM crashed (seed $seed): ${result.crashLogs.first()}" }
        check(result.exitCode == 0) { "the child JVM failed (seed $seed): $result" }
        result.value("calls")!!.toLong() shouldBe calls
        // Everything the fuzzer opened it closed again: the kernel's fd table is back where it was.
        result.value("fdsAfter")!!.toInt() shouldBe result.value("fdsBefore")!!.toInt()
    }
})

package io.jmio.loop

import io.jmio.AbandonableTask
import io.jmio.EventLoop
import io.jmio.Timeout
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeUnit.MILLISECONDS
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.random.Random
import kotlin.time.Duration.Companion.seconds

class EventLoopTimerTest : FunSpec({
    test("timers fire in deadline order and never early").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            val count = 400
            val random = Random(7)
            val schedules = DeadlineLog(LongArray(count) { random.nextLong(0, 120) })
            val firedAt = LongArray(count)
            val fired = ConcurrentLinkedQueue<Int>()
            val done = CountDownLatch(count)
            fun scheduleRange(range: IntRange) {
                for (i in range) {
                    schedules.schedule(loop, i) {
                        firedAt[i] = System.nanoTime()
                        fired += i
                        done.countDown()
                    }
                }
            }
            scheduleRange(0 until count / 2) // from another thread
            loop.call { scheduleRange(count / 2 until count) } // from the loop thread
            done.await(30, TimeUnit.SECONDS).shouldBeTrue()

            for (i in 0 until count) {
                (firedAt[i] - schedules.before[i]) shouldBeGreaterThanOrEqual MILLISECONDS.toNanos(schedules.delays[i])
            }
            schedules.outOfOrder(fired.toList()).shouldBeEmpty()
        }
    }

    test("timers cancelled on the loop thread leave the rest in deadline order").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            val count = 5_000
            val random = Random(5)
            val schedules = DeadlineLog(LongArray(count) { random.nextLong(0, 200) })
            val fired = ConcurrentLinkedQueue<Int>()
            val kept = loop.call {
                val timeouts = (0 until count).map { i -> schedules.schedule(loop, i) { fired += i } }
                // Removing from the middle of the heap must keep the heap ordered.
                (0 until count).filter { i -> random.nextBoolean() || !timeouts[i].cancel() }
            }
            awaitUntil("the kept timers fired") { fired.size == kept.size }
            fired.toSet() shouldBe kept.toSet()
            schedules.outOfOrder(fired.toList()).shouldBeEmpty()
        }
    }

    test("cancelled timers never fire, and each timer either fires or is cancelled").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            val count = 20_000
            val random = Random(11)
            val fired = IntArray(count) // loop thread only
            val timeouts = arrayOfNulls<Timeout>(count)
            val cancelled = BooleanArray(count)
            for (i in 0 until count) {
                // Delays from 0 ms make some cancels race the firing.
                timeouts[i] = loop.schedule({ fired[i]++ }, random.nextLong(0, 60), MILLISECONDS)
            }
            for (i in 0 until count step 2) cancelled[i] = timeouts[i]!!.cancel() // another thread
            loop.call {
                for (i in 1 until count step 4) cancelled[i] = timeouts[i]!!.cancel() // the loop thread
            }
            awaitUntil("every timer fired or was cancelled") { loop.call { loop.pendingTimers() } == 0 }
            Thread.sleep(100)
            val wrong = loop.call {
                (0 until count).filter { i -> (fired[i] == 1) == cancelled[i] || fired[i] > 1 }
            }
            wrong.shouldBeEmpty()
            for (i in 0 until count) {
                timeouts[i]!!.isCancelled() shouldBe cancelled[i]
                timeouts[i]!!.isExpired() shouldBe !cancelled[i]
                timeouts[i]!!.cancel().shouldBeFalse()
            }
        }
    }

    test("schedule then cancel, the withTimeout pattern, leaves nothing behind").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            repeat(100_000) {
                loop.schedule({ error("must not run") }, 1, TimeUnit.HOURS).cancel().shouldBeTrue()
            }
            loop.call {
                repeat(100_000) {
                    loop.schedule({ error("must not run") }, 1, TimeUnit.HOURS).cancel().shouldBeTrue()
                }
                loop.pendingTimers()
            } shouldBe 0
            // The other thread's cancellations are applied within a turn.
            awaitUntil("cancelled timers are removed") { loop.call { loop.pendingTimers() } == 0 }
        }
    }

    test("a timeout cancelled from another thread is dropped at once, not at its deadline").config(timeout = 30.seconds) {
        withRunningLoop { loop ->
            val timeout = loop.call { loop.schedule({ error("must not run") }, 1, TimeUnit.HOURS) }
            Thread.sleep(20) // the loop now sleeps towards a deadline an hour away
            timeout.cancel().shouldBeTrue()
            awaitUntil("the sleeping loop dropped the cancelled timeout", seconds = 10) { loop.pendingTimers() == 0 }
        }
    }

    test("a timer scheduled from another thread wakes a sleeping loop").config(timeout = 30.seconds) {
        withRunningLoop { loop ->
            Thread.sleep(20) // the loop now sleeps without a deadline
            val fired = CountDownLatch(1)
            val start = System.nanoTime()
            loop.schedule({ fired.countDown() }, 30, MILLISECONDS)
            fired.await(10, TimeUnit.SECONDS).shouldBeTrue()
            (System.nanoTime() - start) shouldBeGreaterThanOrEqual MILLISECONDS.toNanos(30)
        }
    }

    test("runOnce waits no longer than the next timer").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            var fired = false
            loop.callInTurn { loop.schedule({ fired = true }, 50, MILLISECONDS) }
            val start = System.nanoTime()
            awaitUntil("the timer fired") {
                loop.runOnce(-1) // must return for the timer: nothing else will wake it
                fired
            }
            (System.nanoTime() - start) shouldBeLessThan TimeUnit.SECONDS.toNanos(10)
        }
    }

    test("1M timers all fire and their memory returns after").config(timeout = 180.seconds) {
        withRunningLoop { loop ->
            val count = 1_000_000
            val fired = AtomicInteger()
            val task = Runnable { fired.incrementAndGet() }
            val baseline = usedHeapAfterGc()
            loop.call {
                val random = java.util.Random(3)
                // Long enough that all are still pending when we look at memory.
                repeat(count) { loop.schedule(task, 5_000L + random.nextInt(1_000), MILLISECONDS) }
            }
            loop.call { loop.pendingTimers() } shouldBe count
            val loaded = usedHeapAfterGc()
            awaitUntil("all timers fired", seconds = 120) { fired.get() == count }
            loop.call { loop.pendingTimers() } shouldBe 0
            val after = usedHeapAfterGc()
            (loaded - baseline) shouldBeGreaterThan 30L * MIB // the timers were measurable...
            (after - baseline) shouldBeLessThan 8L * MIB // ...and are gone
        }
    }

    test("shutdown cancels pending timers").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val timeout = loop.schedule({ error("must not run") }, 1, TimeUnit.HOURS)
            loop.shutdown()
            loop.runOnce(0).shouldBeFalse()
            timeout.isCancelled().shouldBeTrue()
        }
    }

    test("shutdown tells an AbandonableTask, once, on the loop thread, that it will never run").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val calls = CopyOnWriteArrayList<String>()
            val task = object : AbandonableTask {
                override fun run() { calls += "run" }
                override fun abandoned() { calls += "abandoned, in loop: ${loop.inEventLoop()}" }
            }
            val local = loop.callInTurn { loop.schedule(task, 1, TimeUnit.HOURS) }
            val cancelled = loop.schedule(task, 1, TimeUnit.HOURS).also { it.cancel().shouldBeTrue() }
            val remote = thread { loop.schedule(task, 2, TimeUnit.HOURS) }.also { it.join() }
            loop.shutdown()
            loop.runOnce(0).shouldBeFalse()
            calls shouldContainExactly listOf("abandoned, in loop: true", "abandoned, in loop: true")
            local.isCancelled().shouldBeTrue()
            cancelled.isCancelled().shouldBeTrue()
            remote.isAlive.shouldBeFalse()
        }
    }
})

/** Timers scheduled with [delays] (ms); each deadline lies in [before + delay, after + delay]. */
private class DeadlineLog(val delays: LongArray) {
    val before = LongArray(delays.size)
    val after = LongArray(delays.size)

    fun schedule(loop: EventLoop, i: Int, task: Runnable): Timeout {
        before[i] = System.nanoTime()
        return loop.schedule(task, delays[i], MILLISECONDS).also { after[i] = System.nanoTime() }
    }

    /**
     * Pairs in [fired] order that contradict the deadlines: a timer that fired before one whose
     * deadline was surely earlier, or, for the same delay, before one scheduled earlier.
     */
    fun outOfOrder(fired: List<Int>): List<String> {
        val wrong = mutableListOf<String>()
        for (x in fired.indices) {
            for (y in x + 1 until fired.size) {
                val early = fired[x]
                val late = fired[y]
                val lateDeadlineAtMost = after[late] + MILLISECONDS.toNanos(delays[late])
                val earlyDeadlineAtLeast = before[early] + MILLISECONDS.toNanos(delays[early])
                if (lateDeadlineAtMost < earlyDeadlineAtLeast || (delays[early] == delays[late] && late < early)) {
                    wrong += "$early (${delays[early]} ms) fired before $late (${delays[late]} ms)"
                }
            }
        }
        return wrong
    }
}

private const val MIB = 1L shl 20

private fun usedHeapAfterGc(): Long {
    val runtime = Runtime.getRuntime()
    repeat(3) {
        System.gc()
        Thread.sleep(50)
    }
    return runtime.totalMemory() - runtime.freeMemory()
}

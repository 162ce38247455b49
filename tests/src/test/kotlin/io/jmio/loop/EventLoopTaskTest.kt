package io.jmio.loop

import io.jmio.EventLoop
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.Semaphore
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.seconds

class EventLoopTaskTest : FunSpec({
    test("execute from 4 threads x 100,000 tasks runs every task exactly once on the loop thread")
        .config(timeout = 120.seconds) {
            withRunningLoop { loop ->
                val loopThread = loop.call { Thread.currentThread() }
                val perThread = 100_000
                val runs = IntArray(4 * perThread) // written only on the loop thread
                val elsewhere = AtomicInteger()
                val done = AtomicInteger()
                val producers = (0 until 4).map { p ->
                    thread(name = "producer-$p") {
                        for (i in 0 until perThread) {
                            val index = p * perThread + i
                            loop.execute {
                                if (Thread.currentThread() !== loopThread) elsewhere.incrementAndGet()
                                runs[index]++
                                done.incrementAndGet()
                            }
                        }
                    }
                }
                producers.forEach { it.join(60_000) }
                awaitUntil("all tasks ran", seconds = 60) { done.get() == runs.size }
                loop.call { runs.count { it != 1 } } shouldBe 0
                elsewhere.get() shouldBe 0
            }
        }

    test("a task executed on the loop thread runs in the same turn").config(timeout = 30.seconds) {
        EventLoop.open().use { loop ->
            val order = mutableListOf<String>()
            loop.execute { // from this thread: queued for the next turn
                order += "first"
                loop.inEventLoop().shouldBeTrue()
                loop.execute { order += "second" }
            }
            loop.runOnce(0).shouldBeTrue()
            order shouldContainExactly listOf("first", "second")
            loop.inEventLoop().shouldBeFalse()
        }
    }

    test("handing tasks to a sleeping loop never loses a wake-up").config(timeout = 120.seconds) {
        withRunningLoop { loop ->
            val rounds = 20_000
            // Two producers ping-pong with the loop: every task finds it asleep or about to sleep.
            val producers = (0 until 2).map { p ->
                thread(name = "ping-$p") {
                    val pong = Semaphore(0)
                    repeat(rounds) { round ->
                        loop.execute { pong.release() }
                        check(pong.tryAcquire(10, TimeUnit.SECONDS)) { "lost wake-up in round $round" }
                    }
                }
            }
            val failures = CopyOnWriteArrayList<Throwable>()
            producers.forEach { it.setUncaughtExceptionHandler { _, e -> failures += e } }
            producers.forEach { it.join(100_000) }
            failures shouldBe emptyList()
        }
    }

    test("a flood of tasks from other threads leaves the loop's own tasks their share of every turn")
        .config(timeout = 30.seconds) {
            EventLoop.open().use { loop ->
                var localRuns = 0
                lateinit var yielder: Runnable // a coroutine that keeps yielding: re-queues itself on the loop
                yielder = Runnable {
                    localRuns++
                    loop.execute(yielder)
                }
                loop.execute { loop.execute(yielder) } // from the loop thread, so it queues locally
                repeat(10) {
                    repeat(5_000) { loop.execute {} } // more remote tasks than one turn takes
                    loop.runOnce(0).shouldBeTrue()
                }
                localRuns shouldBeGreaterThan 8
            }
        }

    test("exceptions in tasks reach the exception handler and the loop goes on").config(timeout = 30.seconds) {
        val reported = CopyOnWriteArrayList<Throwable>()
        withRunningLoop(EventLoop.Options().exceptionHandler { reported += it }) { loop ->
            loop.execute { throw IllegalStateException("task failed") }
            loop.call { "still running" } shouldBe "still running"
            reported.map { it.message } shouldContainExactly listOf("task failed")
        }
    }

    test("a failing exception handler does not stop the loop").config(timeout = 30.seconds) {
        EventLoop.open(EventLoop.Options().exceptionHandler { throw it }).use { loop ->
            val stderr = System.err
            System.setErr(java.io.PrintStream(java.io.ByteArrayOutputStream()))
            try {
                loop.execute { throw IllegalStateException("task failed") }
                loop.runOnce(0)
                var ran = false
                loop.execute { ran = true }
                loop.runOnce(0)
                ran.shouldBeTrue()
            } finally {
                System.setErr(stderr)
            }
        }
    }

    test("after shutdown execute is rejected, and every accepted task still runs").config(timeout = 60.seconds) {
        repeat(5) {
            EventLoop.open().use { loop ->
                val runner = loop.runInThread()
                val accepted = AtomicLong()
                val rejected = AtomicLong()
                val ran = AtomicLong()
                val go = CountDownLatch(1)
                val producers = (0 until 3).map {
                    thread {
                        go.await()
                        while (true) {
                            try {
                                loop.execute { ran.incrementAndGet() }
                                accepted.incrementAndGet()
                            } catch (e: RejectedExecutionException) {
                                rejected.incrementAndGet()
                                break
                            }
                        }
                    }
                }
                go.countDown()
                Thread.sleep(20)
                loop.shutdown()
                producers.forEach { it.join(10_000) }
                runner.join(10_000)
                runner.isAlive.shouldBeFalse()
                loop.isTerminated.shouldBeTrue()
                ran.get() shouldBe accepted.get()
                rejected.get().toInt() shouldBe 3
                accepted.get().toInt() shouldBeGreaterThan 0
                shouldThrow<RejectedExecutionException> { loop.execute {} }
            }
        }
    }
})

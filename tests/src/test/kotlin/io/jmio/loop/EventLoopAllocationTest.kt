package io.jmio.loop

import io.jmio.EventLoop
import io.jmio.Interest
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlin.time.Duration.Companion.seconds

/** Allocation on the loop's hot paths, measured with the thread's allocation counter. */
class EventLoopAllocationTest : FunSpec({
    test("a steady-state turn with a ready source allocates nothing").config(timeout = 60.seconds) {
        EventLoop.open().use { loop ->
            TestEventFd().use { fd ->
                var calls = 0L
                loop.register(fd.source, Interest.READABLE) { _, event ->
                    if (event.isReadable()) {
                        fd.drain()
                        fd.signal() // a new edge: the next turn has an event again
                        calls++
                    }
                }
                fd.signal()
                repeat(50_000) { loop.runOnce(-1) } // warm up, let the JIT compile
                val turns = 50_000
                val start = allocatedBytes()
                repeat(turns) { loop.runOnce(-1) }
                val allocated = allocatedBytes() - start
                calls shouldBe 100_000L
                allocated shouldBeLessThan 1_024L // nothing per turn; slack for the counter itself
            }
        }
    }

    test("tasks executed on the loop thread allocate nothing beyond the task").config(timeout = 60.seconds) {
        EventLoop.open().use { loop ->
            var runs = 0
            val task = Runnable { runs++ }
            val burst = Runnable { repeat(1_000) { loop.execute(task) } }
            repeat(200) { loop.execute(burst); loop.runOnce(0) }
            val allocated = loop.callInTurn {
                val start = allocatedBytes()
                repeat(1_000) { loop.execute(task) }
                allocatedBytes() - start
            }
            allocated shouldBeLessThan 1_024L
        }
    }

    test("schedule then cancel on the loop thread allocates only the handle").config(timeout = 60.seconds) {
        EventLoop.open().use { loop ->
            val task = Runnable { }
            val ops = 100_000
            repeat(3) { loop.callInTurn { repeat(ops) { loop.schedule(task, 10, java.util.concurrent.TimeUnit.SECONDS).cancel() } } }
            val allocated = loop.callInTurn {
                val start = allocatedBytes()
                repeat(ops) { loop.schedule(task, 10, java.util.concurrent.TimeUnit.SECONDS).cancel() }
                allocatedBytes() - start
            }
            (allocated / ops) shouldBeLessThan 64L // one Timeout, about 40 bytes
        }
    }

    test("execute from another thread allocates a few bytes per task, amortised").config(timeout = 60.seconds) {
        withRunningLoop { loop ->
            val task = Runnable { }
            repeat(20) { repeat(10_000) { loop.execute(task) }; loop.call { } }
            val tasks = 100_000
            val start = allocatedBytes()
            repeat(tasks) { loop.execute(task) }
            val allocated = allocatedBytes() - start
            (allocated / tasks) shouldBeLessThan 16L // a 1024-slot chunk per 1024 tasks
        }
    }
})

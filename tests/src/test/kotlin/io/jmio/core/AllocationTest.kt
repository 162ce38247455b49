package io.jmio.core

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Registry
import io.jmio.Waker
import io.jmio.unix.SourceFd
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import java.time.Duration

private const val WARM_UP = 200_000
private const val MEASURED = 100_000

/** Generous total for [MEASURED] iterations: well under 0.01 B per iteration. */
private const val BUDGET = 1024L

/** One steady-state loop turn: wake, poll without blocking, visit every event with for-each. */
private fun wakePollIterate(poll: Poll, events: Events, waker: Waker, timeout: Duration?): Long {
    waker.wake()
    if (timeout == null) poll.poll(events, 0L) else poll.poll(events, timeout)
    var sum = 0L
    for (event in events) {
        if (event.isReadable()) sum += event.token()
    }
    return sum
}

private fun reregisterTwice(registry: Registry, source: SourceFd): Long {
    registry.reregister(source, 1, Interest.WRITABLE)
    registry.reregister(source, 2, Interest.READABLE.add(Interest.WRITABLE))
    return 1
}

/**
 * Runs [turn] long enough for C2 to compile it (so escape analysis has run), then counts the bytes
 * [MEASURED] more turns allocate on this thread. On a busy machine C2 can still be compiling (or
 * recompiling after a deoptimization) during a window, so a window that allocated is measured
 * again, up to 10 times: the lowest count is the steady state. The sum returned is the last
 * window's, so a caller can check that window did real work.
 */
private inline fun allocatedInSteadyState(turn: () -> Long): Pair<Long, Long> {
    repeat(WARM_UP) { turn() }
    var sum = 0L
    var lowest = Long.MAX_VALUE
    for (attempt in 1..10) {
        sum = 0L // the last window's work, whichever window that is
        val bytes = Allocations.measure {
            repeat(MEASURED) { sum += turn() }
        }
        lowest = minOf(lowest, bytes)
        if (bytes < BUDGET) break
    }
    println("steady state: $lowest bytes allocated over $MEASURED iterations")
    return lowest to sum
}

class AllocationTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    test("wake, poll and for-each over the events allocate nothing in steady state") {
        Poll.open().use { poll ->
            Waker(poll.registry(), 7).use { waker ->
                val events = Events.withCapacity(64)
                val (bytes, sum) = allocatedInSteadyState { wakePollIterate(poll, events, waker, null) }
                sum shouldBe 7L * MEASURED // every turn saw the wake: the loop did real work
                bytes shouldBeLessThan BUDGET
            }
        }
    }

    test("the Duration overload of poll allocates nothing either") {
        Poll.open().use { poll ->
            Waker(poll.registry(), 7).use { waker ->
                val events = Events.withCapacity(64)
                val zero = Duration.ZERO
                val (bytes, sum) = allocatedInSteadyState { wakePollIterate(poll, events, waker, zero) }
                sum shouldBe 7L * MEASURED
                bytes shouldBeLessThan BUDGET
            }
        }
    }

    test("reregistering a source allocates nothing in steady state") {
        Poll.open().use { poll ->
            TestEventFd().use { fd ->
                val source = SourceFd(fd.fd)
                poll.registry().register(source, 1, Interest.READABLE)
                val (bytes, _) = allocatedInSteadyState { reregisterTwice(poll.registry(), source) }
                bytes shouldBeLessThan BUDGET
            }
        }
    }
})

package io.jmio.core

import io.jmio.Events
import io.jmio.Poll
import io.jmio.Waker
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.ClosedChannelException
import java.time.Duration
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

private const val TOKEN = 10L

/** A readable event with the waker's token, and only such events, within a generous bound. */
private fun Poll.expectWakerEvent(events: Events) {
    poll(events, Duration.ofSeconds(5))
    val seen = events.snapshot()
    seen.shouldNotBeEmpty()
    seen.map { it.token to it.readable }.distinct() shouldContainExactly listOf(TOKEN to true)
}

class WakerTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("a wake gives a readable event with the waker's token") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).use { waker ->
                val events = Events.withCapacity(10)
                waker.wake()
                poll.expectWakerEvent(events)
            }
        }
    }

    test("three wakes before a poll give events carrying only the waker's token") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).use { waker ->
                val events = Events.withCapacity(10)
                repeat(3) { waker.wake() }
                poll.expectWakerEvent(events)
                poll.pollBriefly(events).shouldBeEmpty()
            }
        }
    }

    test("a wake from another thread gives one event, then none") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).use { waker ->
                val events = Events.withCapacity(10)
                val waking = thread { waker.wake() }
                poll.expectWakerEvent(events)
                events.size() shouldBe 1
                poll.pollBriefly(events).shouldBeEmpty()
                waking.join(10_000)
            }
        }
    }

    test("two wakes separated by a poll give two events") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).use { waker ->
                val events = Events.withCapacity(10)
                val barrier = CyclicBarrier(2)
                val first = thread { waker.wake() }
                val second = thread {
                    barrier.await(30, TimeUnit.SECONDS)
                    waker.wake()
                }
                poll.expectWakerEvent(events)
                barrier.await(30, TimeUnit.SECONDS)
                poll.expectWakerEvent(events)
                poll.pollBriefly(events).shouldBeEmpty()
                first.join(10_000)
                second.join(10_000)
            }
        }
    }

    test("a second open waker is refused; once the first is closed a new one works") {
        Poll.open().use { poll ->
            val first = Waker(poll.registry(), 1)
            shouldThrow<IllegalStateException> { Waker(poll.registry(), 2) }.message shouldContain "one Waker"
            first.close()
            first.close() // idempotent
            Waker(poll.registry(), TOKEN).use { second ->
                second.wake()
                poll.expectWakerEvent(Events.withCapacity(4))
            }
        }
    }

    test("a closed waker refuses to wake") {
        Poll.open().use { poll ->
            val waker = Waker(poll.registry(), TOKEN)
            waker.close()
            shouldThrow<ClosedChannelException> { waker.wake() }
        }
    }

    test("a waker's eventfd is close-on-exec and non-blocking, and closing releases it") {
        Poll.open().use { poll ->
            val before = ProcFds.list()
            val waker = Waker(poll.registry(), TOKEN)
            val opened = ProcFds.opened(before, ProcFds.EVENTFD)
            opened shouldHaveSize 1
            val flags = ProcFds.flags(opened.single())
            (flags and TestLibC.O_CLOEXEC) shouldBe TestLibC.O_CLOEXEC
            (flags and TestLibC.O_NONBLOCK) shouldBe TestLibC.O_NONBLOCK
            waker.close()
            ProcFds.isOpen(opened.single(), ProcFds.EVENTFD) shouldBe false
        }
    }

    test("2000 waker open-close cycles leak no fd") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).close() // load every class first
            val before = ProcFds.count(ProcFds.EVENTFD)
            repeat(2000) { Waker(poll.registry(), TOKEN).close() }
            ProcFds.count(ProcFds.EVENTFD) shouldBe before
        }
    }

    test("a waker for a closed poll fails without leaking its eventfd") {
        val poll = Poll.open()
        poll.close()
        val before = ProcFds.count(ProcFds.EVENTFD)
        repeat(3) { shouldThrow<ClosedChannelException> { Waker(poll.registry(), TOKEN) } }
        ProcFds.count(ProcFds.EVENTFD) shouldBe before
    }

    test("a waker survives its poll's close and still wakes harmlessly") {
        val poll = Poll.open()
        Waker(poll.registry(), TOKEN).use { waker ->
            poll.close()
            waker.wake()
        }
    }

    test("a wake on a saturated eventfd counter resets it and still wakes the poll") {
        Poll.open().use { poll ->
            val before = ProcFds.list()
            Waker(poll.registry(), TOKEN).use { waker ->
                val eventFd = ProcFds.opened(before, ProcFds.EVENTFD).single()
                val events = Events.withCapacity(4)
                // The largest value an eventfd counter holds; one more and a write would block.
                val max = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(-2L).array()
                TestLibC.C.write(eventFd, max, 8) shouldBe 8L
                poll.expectWakerEvent(events)
                poll.pollBriefly(events).shouldBeEmpty()
                waker.wake() // EAGAIN inside: must drain the counter and write again
                poll.expectWakerEvent(events)
                waker.wake() // and the counter is usable again
                poll.expectWakerEvent(events)
            }
        }
    }

    test("racing closes never release the slot of a newer waker") {
        Poll.open().use { poll ->
            repeat(300) {
                val waker = Waker(poll.registry(), TOKEN)
                val barrier = CyclicBarrier(2)
                val closers = List(2) { thread { barrier.await(30, TimeUnit.SECONDS); waker.close() } }
                var newer: Waker? = null
                val deadline = System.nanoTime() + 10_000_000_000L
                while (newer == null && System.nanoTime() < deadline) {
                    newer = runCatching { Waker(poll.registry(), TOKEN) }.getOrNull()
                }
                closers.forEach { it.join(10_000) }
                checkNotNull(newer) { "the slot was never released" }.use {
                    // Both closes are done: the newer waker must still hold the slot.
                    shouldThrow<IllegalStateException> { Waker(poll.registry(), TOKEN) }
                }
            }
        }
    }

    test("a null registry is refused") {
        shouldThrow<NullPointerException> { Waker(null, TOKEN) }.message shouldContain "registry"
    }

    test("waking from many threads at once is safe") {
        Poll.open().use { poll ->
            Waker(poll.registry(), TOKEN).use { waker ->
                val threads = List(4) { thread { repeat(10_000) { waker.wake() } } }
                threads.forEach { it.join(60_000) }
                threads.none { it.isAlive }.shouldBeTrue()
                poll.expectWakerEvent(Events.withCapacity(4))
            }
        }
    }
})

package io.jmio.core

import io.jmio.Event
import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.unix.SourceFd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration

/** A poll holding events for tokens 1..[count], each from an eventfd that is readable and writable. */
private class ReadyFds(count: Int) : AutoCloseable {
    val poll: Poll = Poll.open()
    private val fds = List(count) { TestEventFd(initialValue = 1) }

    init {
        fds.forEachIndexed { i, fd -> poll.registry().register(SourceFd(fd.fd), i + 1L, Interest.READABLE) }
    }

    /** Polls until all [count] events sit in [events] at once (they are all ready before the first poll). */
    fun fill(events: Events) {
        poll.poll(events, Duration.ofSeconds(5))
        check(events.size() == fds.size) { "expected ${fds.size} events, got ${events.size()}" }
    }

    override fun close() {
        poll.close()
        fds.forEach { it.close() }
    }
}

class EventsTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("a new buffer has its capacity and no events") {
        val events = Events.withCapacity(16)
        events.capacity() shouldBe 16
        events.size() shouldBe 0
        events.isEmpty.shouldBeTrue()
        events.iterator().hasNext().shouldBeFalse()
        events.toString() shouldBe "Events{size=0, capacity=16}"
    }

    test("capacities outside 1..MAX_CAPACITY are refused") {
        for (capacity in listOf(0, -1, Int.MIN_VALUE, Events.MAX_CAPACITY + 1, Int.MAX_VALUE)) {
            shouldThrow<IllegalArgumentException> { Events.withCapacity(capacity) }.message shouldContain "$capacity"
        }
        Events.withCapacity(1).capacity() shouldBe 1
        Events.withCapacity(Events.MAX_CAPACITY).capacity() shouldBe Events.MAX_CAPACITY
    }

    test("after a wake every event is readable with the waker token, and clear empties the buffer") {
        Poll.open().use { poll ->
            Waker(poll.registry(), 10).use { waker ->
                val events = Events.withCapacity(16)
                waker.wake()
                poll.poll(events, Duration.ofSeconds(5))
                events.isEmpty.shouldBeFalse()
                for (event in events) {
                    event.token() shouldBe 10L
                    event.isReadable().shouldBeTrue()
                }
                events.clear()
                events.isEmpty.shouldBeTrue()
                events.size() shouldBe 0
                events.iterator().hasNext().shouldBeFalse()
            }
        }
    }

    test("iteration yields exactly the events index access does") {
        ReadyFds(5).use { ready ->
            val events = Events.withCapacity(8)
            ready.fill(events)
            val byIndex = (0 until events.size()).map { events.get(it) }
            val byIteration = events.toList()
            byIteration shouldContainExactly byIndex
            byIteration.map { it.token() } shouldContainExactlyInAnyOrder listOf(1L, 2L, 3L, 4L, 5L)
        }
    }

    test("index access outside 0 until size is refused") {
        ReadyFds(2).use { ready ->
            val events = Events.withCapacity(8)
            ready.fill(events)
            for (index in listOf(-1, 2, 7, 8, Int.MAX_VALUE, Int.MIN_VALUE)) {
                shouldThrow<IndexOutOfBoundsException> { events.get(index) }.message shouldContain "$index"
            }
            events.clear()
            shouldThrow<IndexOutOfBoundsException> { events.get(0) }
        }
    }

    test("an exhausted iterator throws NoSuchElementException and cannot remove") {
        ReadyFds(1).use { ready ->
            val events = Events.withCapacity(4)
            ready.fill(events)
            val iterator = events.iterator()
            iterator.next()
            shouldThrow<UnsupportedOperationException> { iterator.remove() }
            iterator.hasNext().shouldBeFalse()
            shouldThrow<NoSuchElementException> { iterator.next() }
        }
    }

    test("nested iterations over the same events are independent") {
        ReadyFds(3).use { ready ->
            val events = Events.withCapacity(4)
            ready.fill(events)
            val pairs = mutableListOf<Pair<Long, Long>>()
            for (outer in events) {
                for (inner in events) pairs += outer.token() to inner.token()
            }
            val tokens = events.map { it.token() }
            pairs shouldContainExactly tokens.flatMap { a -> tokens.map { b -> a to b } }
        }
    }

    test("after an iteration stopped early, the next poll's for-each loops allocate nothing") {
        ReadyFds(3).use { ready ->
            Waker(ready.poll.registry(), 99).use { waker ->
                val events = Events.withCapacity(8)
                ready.fill(events)
                events.first() // stops after one event: the iteration is abandoned
                waker.wake()
                ready.poll.poll(events, Duration.ofSeconds(5))
                var sum = 0L
                val allocated = Allocations.measure {
                    repeat(1000) {
                        for (event in events) sum += event.token()
                    }
                }
                sum shouldBe 99L * 1000
                // A fresh iterator per loop would be at least 16 kB here.
                allocated shouldBeLessThan 1024L
            }
        }
    }

    test("an event's toString shows its token and flags") {
        TestPipe().use { pipe ->
            Poll.open().use { poll ->
                poll.registry().register(SourceFd(pipe.readFd), 42, Interest.READABLE)
                pipe.write(byteArrayOf(1))
                pipe.closeWrite()
                val events = Events.withCapacity(4)
                poll.poll(events, Duration.ofSeconds(5))
                // As in mio, a hang-up counts as both read- and write-closed.
                events.get(0).toString() shouldBe "Event{token=42, readable, read-closed, write-closed, os=EPOLLIN | EPOLLHUP}"
            }
        }
    }
})

package io.jmio.core

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.Waker
import io.jmio.unix.SourceFd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.collections.shouldHaveSize
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.channels.ClosedChannelException
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

class PollTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("a poll with nothing registered waits out a 100 ms timeout and returns empty") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(16)
            val start = System.nanoTime()
            poll.poll(events, Duration.ofMillis(100))
            val elapsedMs = (System.nanoTime() - start) / 1_000_000
            events.isEmpty.shouldBeTrue()
            elapsedMs shouldBeGreaterThanOrEqual 90
        }
    }

    test("sub-millisecond timeouts round up to 1 ms and never busy-loop") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(4)
            val polls = 20
            val start = System.nanoTime()
            repeat(polls) { poll.poll(events, Duration.ofNanos(1)) }
            val elapsedMs = (System.nanoTime() - start) / 1_000_000
            // Rounded down to 0 ms, 20 polls would take microseconds.
            elapsedMs shouldBeGreaterThanOrEqual (polls - 1).toLong()
        }
    }

    test("a zero timeout still asks the kernel and reports ready sources") {
        Poll.open().use { poll ->
            TestEventFd(initialValue = 1).use { fd ->
                poll.registry().register(SourceFd(fd.fd), 3, Interest.READABLE)
                val events = Events.withCapacity(16)
                poll.poll(events, Duration.ZERO)
                events.snapshot().map { it.token } shouldContainExactly listOf(3L)
                poll.poll(events, 0L)
                events.isEmpty.shouldBeTrue() // edge-triggered: reported once
            }
        }
    }

    test("huge and infinite timeouts neither overflow nor throw") {
        Poll.open().use { poll ->
            Waker(poll.registry(), 7).use { waker ->
                val events = Events.withCapacity(4)
                val timeouts = listOf<(Events) -> Unit>(
                    { poll.poll(it, Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)) },
                    { poll.poll(it, Duration.ofMillis(Int.MAX_VALUE.toLong() + 5)) },
                    { poll.poll(it, Long.MAX_VALUE) },
                    { poll.poll(it, -1L) },
                    { poll.poll(it, null as Duration?) },
                )
                for (pollWith in timeouts) {
                    waker.wake()
                    pollWith(events)
                    events.snapshot().map { it.token } shouldContainExactly listOf(7L)
                }
            }
        }
    }

    test("a poll interrupted by a signal (EINTR) returns normally with no events") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(4)
            val pthread = AtomicLong(0)
            val returnedAfterMs = AtomicLong(-1)
            val failure = AtomicReference<Throwable>()
            val mayExit = CountDownLatch(1)
            val poller = thread(name = "eintr-poller") {
                try {
                    pthread.set(TestLibC.C.pthread_self())
                    val start = System.nanoTime()
                    poll.poll(events, Duration.ofSeconds(20))
                    returnedAfterMs.set((System.nanoTime() - start) / 1_000_000)
                } catch (e: Throwable) {
                    failure.set(e)
                    returnedAfterMs.set(0)
                } finally {
                    // pthread_kill needs a live thread: stay alive until the signalling has stopped.
                    mayExit.await(30, TimeUnit.SECONDS)
                }
            }
            while (pthread.get() == 0L) Thread.sleep(1)
            // A signal that arrives before epoll_wait starts interrupts nothing, so keep signalling.
            // HotSpot handles SIGPIPE and ignores it, so the JVM is unaffected; epoll_wait is never
            // restarted after a handler runs, so it fails with EINTR.
            var signals = 0
            while (returnedAfterMs.get() < 0 && signals < 500) {
                TestLibC.C.pthread_kill(pthread.get(), TestLibC.SIGPIPE) shouldBe 0
                signals++
                Thread.sleep(20)
            }
            mayExit.countDown()
            poller.join(30_000)
            failure.get().shouldBeNull()
            returnedAfterMs.get() shouldBeLessThan 15_000L
            events.isEmpty.shouldBeTrue()
        }
    }

    test("a registration made while another thread is blocked in poll wakes it with exactly that event") {
        Poll.open().use { poll ->
            TestEventFd(initialValue = 1).use { ready ->
                val pollerTid = TestLibC.C.gettid()
                val sawBlocked = AtomicReference<Boolean>()
                val registrar = thread(name = "registrar") {
                    sawBlocked.set(ProcFds.awaitEpollWait(pollerTid))
                    poll.registry().register(SourceFd(ready.fd), 1, Interest.READABLE)
                }
                val events = Events.withCapacity(16)
                poll.poll(events, Duration.ofSeconds(10))
                registrar.join(10_000)
                sawBlocked.get() shouldBe true
                events.snapshot().map { it.token to it.readable } shouldContainExactly listOf(1L to true)
            }
        }
    }

    test("a full Events buffer leaves the rest for the next poll, with no duplicates") {
        Poll.open().use { poll ->
            val fds = List(10) { TestEventFd(initialValue = 1) }
            try {
                fds.forEachIndexed { i, fd -> poll.registry().register(SourceFd(fd.fd), 100L + i, Interest.READABLE) }
                val events = Events.withCapacity(4)
                val batches = List(3) {
                    poll.poll(events, Duration.ofSeconds(5))
                    events.snapshot().map { it.token }
                }
                batches.map { it.size } shouldContainExactly listOf(4, 4, 2)
                batches.flatten() shouldContainExactlyInAnyOrder (100L..109L).toList()
                poll.pollBriefly(events).shouldBeEmpty()
            } finally {
                fds.forEach { it.close() }
            }
        }
    }

    test("the epoll fd is close-on-exec") {
        val before = ProcFds.list()
        Poll.open().use { poll ->
            val opened = ProcFds.opened(before, ProcFds.EPOLL)
            opened shouldHaveSize 1
            (ProcFds.flags(opened.single()) and TestLibC.O_CLOEXEC) shouldBe TestLibC.O_CLOEXEC
            poll.isOpen.shouldBeTrue()
        }
    }

    test("2000 open-poll-close cycles leak no fd") {
        val events = Events.withCapacity(4)
        Poll.open().use { it.poll(events, 0L) } // load every class first
        val before = ProcFds.count(ProcFds.EPOLL)
        repeat(2000) {
            Poll.open().use { it.poll(events, Duration.ZERO) }
        }
        ProcFds.count(ProcFds.EPOLL) shouldBe before
    }

    test("close is idempotent and a closed poll refuses every use") {
        TestEventFd().use { fd ->
            val poll = Poll.open()
            poll.close()
            poll.close()
            poll.isOpen.shouldBeFalse()
            val events = Events.withCapacity(4)
            shouldThrow<ClosedChannelException> { poll.poll(events, 0L) }
            shouldThrow<ClosedChannelException> { poll.poll(events, Duration.ofMillis(1)) }
            shouldThrow<ClosedChannelException> { poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE) }
            shouldThrow<ClosedChannelException> { poll.registry().reregister(SourceFd(fd.fd), 1, Interest.READABLE) }
            shouldThrow<ClosedChannelException> { poll.registry().deregister(SourceFd(fd.fd)) }
            shouldThrow<ClosedChannelException> { Waker(poll.registry(), 1) }
        }
    }

    test("closing a poll another thread is blocked in is safe; the fd goes once that poll returns") {
        val before = ProcFds.count(ProcFds.EPOLL)
        val poll = Poll.open()
        val waker = Waker(poll.registry(), 9)
        val events = Events.withCapacity(4)
        val tid = AtomicInteger(0)
        val outcome = AtomicReference<Any>()
        val poller = thread(name = "blocked-poller") {
            tid.set(TestLibC.C.gettid())
            outcome.set(runCatching { poll.poll(events, Duration.ofSeconds(20)); events.snapshot() }.fold({ it }, { it }))
        }
        while (tid.get() == 0) Thread.sleep(1)
        ProcFds.awaitEpollWait(tid.get()).shouldBeTrue()

        poll.close()
        poll.isOpen.shouldBeFalse()
        // The blocked epoll_wait still uses the fd: it must not be closed (and its number reused) yet.
        ProcFds.count(ProcFds.EPOLL) shouldBe before + 1

        waker.wake()
        poller.join(20_000)
        outcome.get() shouldBe listOf(Seen(9, true, false, false, false, false, false))
        ProcFds.count(ProcFds.EPOLL) shouldBe before
        shouldThrow<ClosedChannelException> { poll.poll(events, 0L) }
        waker.close()
    }

    test("bad arguments are refused with the JDK's exceptions") {
        Poll.open().use { poll ->
            val events = Events.withCapacity(4)
            shouldThrow<NullPointerException> { poll.poll(null, 0L) }.message shouldContain "events"
            shouldThrow<NullPointerException> { poll.poll(null, Duration.ZERO) }
            shouldThrow<IllegalArgumentException> { poll.poll(events, -2L) }.message shouldContain "-2"
            shouldThrow<IllegalArgumentException> { poll.poll(events, Long.MIN_VALUE) }
            shouldThrow<IllegalArgumentException> { poll.poll(events, Duration.ofMillis(-1)) }
            shouldThrow<IllegalArgumentException> { poll.poll(events, Duration.ofNanos(-1)) }
            // A rejected call leaves the poll usable.
            poll.poll(events, 0L)
            events.isEmpty.shouldBeTrue()
        }
    }
})

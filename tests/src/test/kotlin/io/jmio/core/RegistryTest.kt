package io.jmio.core

import io.jmio.Events
import io.jmio.Interest
import io.jmio.IoSource
import io.jmio.Poll
import io.jmio.Registry
import io.jmio.Source
import io.jmio.internal.FdHandle
import io.jmio.internal.SourceHandles
import io.jmio.unix.SourceFd
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldNotContain
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.io.IOException
import java.nio.channels.ClosedChannelException
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

/** An eventfd behind jmio's own fd-owning source base, which tracks its registration like a socket. */
class TrackedEventFd(initialValue: Int = 0) : IoSource(), AutoCloseable {
    private val handle = FdHandle(TestLibC.C.eventfd(initialValue, TestLibC.O_NONBLOCK or TestLibC.O_CLOEXEC))

    init {
        SourceHandles.bind(this, handle, true)
    }

    override fun close() = handle.close()
}

/** A custom source that records the calls the registry routes to it, or fails each one. */
class RecordingSource(private val fail: Boolean = false) : Source {
    val calls = mutableListOf<String>()

    override fun register(registry: Registry, token: Long, interests: Interest) = record("register $token $interests")
    override fun reregister(registry: Registry, token: Long, interests: Interest) = record("reregister $token $interests")
    override fun deregister(registry: Registry) = record("deregister")

    private fun record(call: String) {
        if (fail) throw IOException("failed: $call")
        calls += call
    }
}

class RegistryTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    test("an IoSource subclass from outside jmio has no fd: the registry refuses it, nothing is opened") {
        val foreign = object : IoSource() {}
        foreign.isOpen shouldBe false
        Poll.open().use { poll ->
            shouldThrow<IllegalArgumentException> {
                poll.registry().register(foreign, 1, Interest.READABLE)
            }.message shouldContain "implement Source instead"
            shouldThrow<IllegalArgumentException> { foreign.rawFd() }
        }
    }

    test("a source binds its fd once") {
        TrackedEventFd().use { source ->
            shouldThrow<IllegalStateException> { SourceHandles.bind(source, FdHandle(0, false), true) }
        }
    }

    test("reregister replaces both token and interest") {
        Poll.open().use { poll ->
            TestEventFd(initialValue = 1).use { fd -> // readable and writable
                val events = Events.withCapacity(16)
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                poll.registry().reregister(SourceFd(fd.fd), 1, Interest.READABLE)
                poll.registry().reregister(SourceFd(fd.fd), 2, Interest.WRITABLE)
                val seen = poll.pollUntilSeen(events, setOf(2L))
                seen.map { it.token }.distinct() shouldContainExactly listOf(2L)
                // Read interest is gone, although the eventfd is readable too.
                seen.map { it.readable }.distinct() shouldContainExactly listOf(false)
                seen.map { it.writable }.distinct() shouldContainExactly listOf(true)
            }
        }
    }

    test("reregister to an interest that is not ready gives no events") {
        Poll.open().use { poll ->
            TestEventFd(initialValue = 1).use { fd ->
                poll.registry().register(SourceFd(fd.fd), 1, Interest.WRITABLE)
                poll.registry().reregister(SourceFd(fd.fd), 1, Interest.PRIORITY)
                poll.pollBriefly(Events.withCapacity(16)).shouldBeEmpty()
            }
        }
    }

    test("after deregister a ready source's token is never reported") {
        Poll.open().use { poll ->
            TestEventFd(initialValue = 1).use { fd ->
                poll.registry().register(SourceFd(fd.fd), 5, Interest.READABLE)
                poll.registry().deregister(SourceFd(fd.fd)) // while its event is pending
                val events = Events.withCapacity(16)
                poll.pollBriefly(events).shouldBeEmpty()
                fd.add()
                poll.pollBriefly(events).shouldBeEmpty()
            }
        }
    }

    test("register, deregister, register of an idle source gives no events") {
        Poll.open().use { poll ->
            TestEventFd().use { fd ->
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                poll.registry().deregister(SourceFd(fd.fd))
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                val events = Events.withCapacity(8)
                poll.pollBriefly(events).shouldBeEmpty()
                fd.add()
                poll.pollUntilSeen(events, setOf(1L)).map { it.token } shouldContain 1L
            }
        }
    }

    test("registering an fd twice, or touching one never registered, is a clear IOException") {
        Poll.open().use { poll ->
            TestEventFd().use { fd ->
                val registry = poll.registry()
                shouldThrow<IOException> { registry.reregister(SourceFd(fd.fd), 1, Interest.READABLE) }
                    .message shouldContain "not registered"
                shouldThrow<IOException> { registry.deregister(SourceFd(fd.fd)) }.message shouldContain "not registered"
                registry.register(SourceFd(fd.fd), 1, Interest.READABLE)
                shouldThrow<IOException> { registry.register(SourceFd(fd.fd), 2, Interest.READABLE) }
                    .message shouldContain "already registered"
            }
        }
    }

    test("a tracked source says where it is registered") {
        Poll.open().use { first ->
            Poll.open().use { second ->
                TrackedEventFd().use { source ->
                    shouldThrow<IOException> { first.registry().deregister(source) }.message shouldBe "source is not registered"
                    shouldThrow<IOException> { first.registry().reregister(source, 1, Interest.READABLE) }
                        .message shouldBe "source is not registered"
                    first.registry().register(source, 1, Interest.READABLE)
                    shouldThrow<IOException> { first.registry().register(source, 1, Interest.READABLE) }
                        .message shouldBe "source is already registered with this Registry"
                    shouldThrow<IOException> { second.registry().register(source, 1, Interest.READABLE) }
                        .message shouldBe "source is already registered with another Registry"
                    shouldThrow<IOException> { second.registry().deregister(source) }
                        .message shouldBe "source is registered with another Registry"
                    first.registry().deregister(source)
                    second.registry().register(source, 1, Interest.READABLE) // free again
                }
            }
        }
    }

    test("a source registered with a poll that was closed can join another poll") {
        TrackedEventFd(initialValue = 1).use { source ->
            val first = Poll.open()
            first.registry().register(source, 1, Interest.READABLE)
            first.close()
            Poll.open().use { second ->
                second.registry().register(source, 2, Interest.READABLE)
                second.pollUntilSeen(Events.withCapacity(4), setOf(2L)).map { it.token } shouldContain 2L
            }
            // The closed poll itself reports that it is closed, not stale registration state.
            shouldThrow<ClosedChannelException> { first.registry().deregister(source) }
            shouldThrow<ClosedChannelException> { first.registry().register(source, 1, Interest.READABLE) }
        }
    }

    test("a closed source cannot be registered") {
        Poll.open().use { poll ->
            val source = TrackedEventFd()
            source.close()
            source.isOpen shouldBe false
            shouldThrow<ClosedChannelException> { poll.registry().register(source, 1, Interest.READABLE) }
        }
    }

    test("an fd epoll cannot watch is refused with a clear IOException") {
        val file = Files.createTempFile("jmio-registry", ".txt")
        val fd = TestLibC.C.open(file.toString(), TestLibC.O_CLOEXEC)
        try {
            Poll.open().use { poll ->
                shouldThrow<IOException> { poll.registry().register(SourceFd(fd), 1, Interest.READABLE) }
                    .message shouldContain "EPERM"
            }
        } finally {
            TestLibC.C.close(fd)
            Files.delete(file)
        }
    }

    test("a custom source sees each call once with its arguments") {
        Poll.open().use { poll ->
            val source = RecordingSource()
            poll.registry().register(source, 0, Interest.READABLE)
            poll.registry().reregister(source, 4, Interest.READABLE.add(Interest.WRITABLE))
            poll.registry().deregister(source)
            source.calls shouldContainExactly listOf("register 0 READABLE", "reregister 4 READABLE | WRITABLE", "deregister")
        }
    }

    test("a custom source's errors pass through unchanged") {
        Poll.open().use { poll ->
            val source = RecordingSource(fail = true)
            shouldThrow<IOException> { poll.registry().register(source, 0, Interest.READABLE) }.message shouldBe
                "failed: register 0 READABLE"
            shouldThrow<IOException> { poll.registry().reregister(source, 1, Interest.WRITABLE) }.message shouldBe
                "failed: reregister 1 WRITABLE"
            shouldThrow<IOException> { poll.registry().deregister(source) }.message shouldBe "failed: deregister"
        }
    }

    test("null arguments are refused") {
        Poll.open().use { poll ->
            TestEventFd().use { fd ->
                val registry = poll.registry()
                shouldThrow<NullPointerException> { registry.register(null, 1, Interest.READABLE) }
                shouldThrow<NullPointerException> { registry.register(SourceFd(fd.fd), 1, null) }
                shouldThrow<NullPointerException> { registry.reregister(null, 1, Interest.READABLE) }
                shouldThrow<NullPointerException> { registry.reregister(SourceFd(fd.fd), 1, null) }
                shouldThrow<NullPointerException> { registry.deregister(null) }
            }
        }
    }

    test("registry operations from several threads at once all take effect") {
        Poll.open().use { poll ->
            val readable = TestEventFd(initialValue = 1)
            val idle = TestEventFd()
            val both = TestEventFd(initialValue = 1)
            try {
                val barrier = CyclicBarrier(4)
                val failure = AtomicReference<Throwable>()
                fun flow(fd: Int, token: Long, first: Interest, last: Interest) = thread {
                    try {
                        val registry = poll.registry()
                        registry.register(SourceFd(fd), token, first)
                        registry.deregister(SourceFd(fd))
                        registry.register(SourceFd(fd), token, first)
                        registry.reregister(SourceFd(fd), token, last)
                    } catch (e: Throwable) {
                        failure.set(e)
                    } finally {
                        barrier.await(30, TimeUnit.SECONDS)
                    }
                }
                val threads = listOf(
                    flow(readable.fd, 1, Interest.READABLE, Interest.READABLE),
                    flow(idle.fd, 2, Interest.WRITABLE, Interest.WRITABLE.add(Interest.READABLE)),
                    flow(both.fd, 3, Interest.READABLE, Interest.READABLE.add(Interest.WRITABLE)),
                )
                barrier.await(30, TimeUnit.SECONDS)
                threads.forEach { it.join(30_000) }
                failure.get() shouldBe null
                val seen = poll.pollUntilSeen(Events.withCapacity(16), setOf(1L, 2L, 3L))
                seen.any { it.token == 1L && it.readable } shouldBe true
                seen.any { it.token == 2L && it.writable } shouldBe true
                seen.any { it.token == 2L && it.readable } shouldBe false
                seen.any { it.token == 3L && it.writable && it.readable } shouldBe true
            } finally {
                listOf(readable, idle, both).forEach { it.close() }
            }
        }
    }

    test("a poll's registry is one shared object") {
        Poll.open().use { poll ->
            poll.registry() shouldBeSameInstanceAs poll.registry()
        }
    }

    test("deregistering from another thread while a poll is blocked stops that source's events") {
        Poll.open().use { poll ->
            TestEventFd().use { fd ->
                poll.registry().register(SourceFd(fd.fd), 1, Interest.READABLE)
                val pollerTid = TestLibC.C.gettid()
                val other = thread {
                    ProcFds.awaitEpollWait(pollerTid)
                    poll.registry().deregister(SourceFd(fd.fd))
                    fd.add() // would have been an event
                }
                val events = Events.withCapacity(4)
                poll.poll(events, Duration.ofMillis(500))
                other.join(10_000)
                events.snapshot().map { it.token } shouldNotContain 1L
                poll.pollBriefly(events).shouldBeEmpty()
            }
        }
    }
})

package io.jmio.core

import io.jmio.internal.FdHandle
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.shouldBe
import java.nio.channels.ClosedChannelException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

private fun newEventFd(): Int = TestLibC.C.eventfd(0, TestLibC.O_NONBLOCK or TestLibC.O_CLOEXEC)

class FdHandleTest : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("close while a syscall holds the fd defers the close until release") {
        val fd = newEventFd()
        val handle = FdHandle(fd)
        handle.acquire() shouldBe fd
        handle.close()
        handle.isOpen.shouldBeFalse()
        shouldThrow<ClosedChannelException> { handle.acquire() }
        ProcFds.isOpen(fd, ProcFds.EVENTFD).shouldBeTrue() // still in use: the number must not be recycled yet
        handle.release()
        ProcFds.isOpen(fd, ProcFds.EVENTFD).shouldBeFalse()
        handle.close() // idempotent
    }

    test("an unowned fd is never closed") {
        val fd = newEventFd()
        try {
            val handle = FdHandle(fd, false)
            handle.acquire()
            handle.close()
            handle.release()
            handle.isOpen.shouldBeFalse()
            ProcFds.isOpen(fd, ProcFds.EVENTFD).shouldBeTrue()
        } finally {
            TestLibC.C.close(fd)
        }
    }

    test("racing users and a close: the fd is closed exactly once, after the last user") {
        repeat(50) {
            val fd = newEventFd()
            val handle = FdHandle(fd)
            val started = CountDownLatch(4)
            val uses = AtomicLong()
            val failure = AtomicReference<Throwable>()
            val users = List(4) {
                thread {
                    started.countDown()
                    try {
                        while (true) {
                            val held = handle.acquire()
                            try {
                                check(held == fd)
                                check(ProcFds.isOpen(held, ProcFds.EVENTFD)) { "fd $held closed while acquired" }
                                uses.incrementAndGet()
                            } finally {
                                handle.release()
                            }
                        }
                    } catch (expected: ClosedChannelException) {
                    } catch (e: Throwable) {
                        failure.set(e)
                    }
                }
            }
            started.await(10, TimeUnit.SECONDS)
            while (uses.get() < 20) Thread.yield()
            handle.close()
            users.forEach { it.join(10_000) }
            users.none { it.isAlive }.shouldBeTrue()
            failure.get() shouldBe null
            ProcFds.isOpen(fd, ProcFds.EVENTFD).shouldBeFalse()
            // A second close of the number would now hit whatever reuses it: check that nothing does.
            val reused = newEventFd()
            try {
                handle.close()
                ProcFds.isOpen(reused, ProcFds.EVENTFD).shouldBeTrue()
            } finally {
                TestLibC.C.close(reused)
            }
        }
    }

    test("a negative fd is refused") {
        shouldThrow<IllegalArgumentException> { FdHandle(-1) }
    }
})

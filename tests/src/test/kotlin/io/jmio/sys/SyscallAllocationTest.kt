package io.jmio.sys

import io.jmio.core.Allocations
import io.jmio.internal.FdHandle
import io.jmio.internal.FdIo
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlin.time.Duration.Companion.minutes

private const val OPERATIONS = 20_000

/**
 * The backend's own hot calls allocate nothing once compiled, on whichever backend runs (CI runs
 * both). FFM relies on C2's escape analysis for its segments; with -XX:-DoEscapeAnalysis these
 * tests fail on FFM, so they can.
 */
class SyscallAllocationTest : FunSpec({
    val sys = Syscalls.require()

    /**
     * Writes and reads 64 bytes over each of as many socketpairs as [buffers] in turn, each pair
     * with its own buffer, as an event loop serving that many connections does; asserts a
     * steady-state round allocates nothing.
     */
    fun assertWriteReadAllocatesNothing(buffers: List<ByteBuffer>) {
        val fds = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder())
        val pairs = buffers.map {
            sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM or Linux.SOCK_NONBLOCK or Linux.SOCK_CLOEXEC, 0, sys.address(fds)) shouldBe 0
            FdHandle(fds.getInt(0)) to FdHandle(fds.getInt(4))
        }
        try {
            var failures = 0
            val perOperation = Allocations.steadyStatePerOperation(OPERATIONS) {
                for (i in 0 until OPERATIONS) {
                    val buffer = buffers[i % buffers.size]
                    val (a, b) = pairs[i % buffers.size]
                    buffer.clear()
                    if (FdIo.write(a, buffer) != 64) failures++
                    buffer.clear()
                    if (FdIo.read(b, buffer) != 64) failures++
                }
            }
            failures shouldBe 0
            perOperation shouldBe 0.0
        } finally {
            pairs.forEach { (a, b) -> a.close(); b.close() }
        }
    }

    test("write and read of 64 bytes on fifty connections in turn, each with its direct buffer, allocate nothing").config(timeout = 2.minutes) {
        assertWriteReadAllocatesNothing(List(50) { ByteBuffer.allocateDirect(64) })
    }

    test("write and read of 64 bytes on fifty connections in turn, each with its heap buffer, allocate nothing").config(timeout = 2.minutes) {
        assertWriteReadAllocatesNothing(List(50) { ByteBuffer.allocate(64) })
    }

    test("epoll_wait with a zero timeout on an idle epoll allocates nothing").config(timeout = 2.minutes) {
        val epfd = sys.epollCreate1(Linux.EPOLL_CLOEXEC)
        val events = ByteBuffer.allocateDirect(16 * Layout.EPOLL_EVENT_SIZE)
        val address = sys.address(events)
        try {
            var ready = 0
            val perOperation = Allocations.steadyStatePerOperation(OPERATIONS) {
                for (i in 0 until OPERATIONS) ready += sys.epollWait(epfd, address, 16, 0)
            }
            ready shouldBe 0
            perOperation shouldBe 0.0
        } finally {
            sys.close(epfd)
        }
    }
})

package io.jmio.sys

import io.jmio.internal.FdHandle
import io.jmio.internal.FdIo
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import java.lang.ref.WeakReference
import java.nio.ByteBuffer
import java.nio.ByteOrder

/**
 * Each handle remembers the direct buffer it last read into and wrote from, with its address.
 * Switching buffers must still put every byte in the right one, and the memory must not keep a
 * buffer alive.
 */
class BufferAddressCacheTest : FunSpec({
    val sys = Syscalls.require()

    fun socketPair(): Pair<FdHandle, FdHandle> {
        val fds = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder())
        sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM or Linux.SOCK_NONBLOCK or Linux.SOCK_CLOEXEC, 0, sys.address(fds)) shouldBe 0
        return FdHandle(fds.getInt(0)) to FdHandle(fds.getInt(4))
    }

    test("reads and writes that switch between buffers, slices included, each use their own buffer's memory") {
        val (a, b) = socketPair()
        try {
            val whole = ByteBuffer.allocateDirect(64)
            val buffers = listOf(ByteBuffer.allocateDirect(16), whole, whole.slice(8, 16), ByteBuffer.allocateDirect(16))
            for (round in 0 until 200) {
                val from = buffers[round % buffers.size]
                val into = buffers[(round * 3 + 1) % buffers.size]
                from.clear().limit(16)
                for (i in 0 until 16) from.put(i, (round + i).toByte())
                FdIo.write(a, from) shouldBe 16
                into.clear().limit(16)
                FdIo.read(b, into) shouldBe 16
                for (i in 0 until 16) into.get(i) shouldBe (round + i).toByte()
            }
        } finally {
            a.close()
            b.close()
        }
    }

    test("a handle does not keep the last buffer it used alive") {
        val (a, b) = socketPair()
        try {
            var buffer: ByteBuffer? = ByteBuffer.allocateDirect(32)
            val collected = WeakReference(buffer)
            FdIo.write(a, buffer!!) shouldBe 32
            buffer.clear()
            FdIo.read(b, buffer) shouldBe 32
            buffer = null
            for (i in 0 until 50) {
                if (collected.get() == null) break
                System.gc()
                Thread.sleep(20)
            }
            collected.get().shouldBeNull()
        } finally {
            a.close()
            b.close()
        }
    }
})

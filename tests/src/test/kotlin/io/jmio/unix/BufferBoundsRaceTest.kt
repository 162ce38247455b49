package io.jmio.unix

import io.jmio.testing.UnixTesting.withDatagramPair
import io.jmio.testing.UnixTesting.withStreamPair
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.concurrent.thread

private const val SLICE = 64
private const val GUARD = 4096
private const val CANARY: Byte = 0x5A
private const val PAYLOAD = 1024

/**
 * A caller thread that moves a buffer's limit while a receive runs must never make the kernel
 * write outside the buffer: jmio reads position and limit once and clamps the length at 0. The
 * buffer is a slice in the middle of a larger direct buffer whose other bytes are canaries, so a
 * length gone negative (a huge `size_t`) shows as a damaged canary instead of a crash.
 */
class BufferBoundsRaceTest : FunSpec({
    timeout = 60_000

    /** Receives [PAYLOAD]-byte messages into a slice whose limit another thread flips; returns damaged canaries. */
    fun race(send: () -> Unit, receive: (ByteBuffer) -> Unit): Int {
        val whole = ByteBuffer.allocateDirect(GUARD + SLICE + GUARD)
        for (i in 0 until whole.capacity()) whole.put(i, CANARY)
        val slice = whole.slice(GUARD, SLICE)
        val running = AtomicBoolean(true)
        // Position past the limit it then sets: a receive that reads position before limit sees both.
        val flipper = thread(name = "limit-flipper") {
            while (running.get()) {
                slice.limit(SLICE)
                slice.position(SLICE - 8)
                slice.limit(8)
            }
        }
        try {
            val deadline = System.nanoTime() + 3_000_000_000L
            var rounds = 0
            while (rounds < 300_000 && System.nanoTime() < deadline) {
                send()
                try {
                    receive(slice)
                } catch (moved: RuntimeException) {
                    // The flipper moved position or limit under the call: a Java exception is fine.
                }
                rounds++
                for (i in 0 until SLICE) whole.put(GUARD + i, CANARY)
                if (damaged(whole) != 0) break
            }
        } finally {
            running.set(false)
            flipper.join(10_000)
        }
        return damaged(whole)
    }

    test("a datagram receive never writes past a buffer whose limit another thread lowers") {
        withDatagramPair { a, b ->
            val payload = ByteBuffer.allocateDirect(PAYLOAD)
            race(send = { a.send(payload.clear()) }, receive = { b.receive(it) }) shouldBe 0
        }
    }

    test("a stream read never writes past a buffer whose limit another thread lowers") {
        withStreamPair { a, b ->
            val payload = ByteBuffer.allocateDirect(PAYLOAD)
            val drain = ByteBuffer.allocateDirect(PAYLOAD * 4)
            race(send = {
                while (b.read(drain.clear()) > 0) { /* whatever the last round left */ }
                a.write(payload.clear())
            }, receive = { b.read(it) }) shouldBe 0
        }
    }
})

/** Canary bytes outside the slice that something overwrote. */
private fun damaged(whole: ByteBuffer): Int {
    var count = 0
    for (i in 0 until GUARD) if (whole.get(i) != CANARY) count++
    for (i in GUARD + SLICE until whole.capacity()) if (whole.get(i) != CANARY) count++
    return count
}

package io.jmio.unix

import io.jmio.Events
import io.jmio.Interest
import io.jmio.Poll
import io.jmio.core.Allocations
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.doubles.shouldBeLessThan
import java.nio.ByteBuffer

private const val TOKEN_A = 1L
private const val TOKEN_B = 2L
private const val WARM_UP = 20_000
private const val MEASURED = 20_000

/** Polls until [token] is reported readable, then reads the one byte that made it so into [buffer]. */
private fun awaitByte(poll: Poll, events: Events, token: Long, stream: UnixStream, buffer: ByteBuffer) {
    var polls = 0
    var ready = false
    while (!ready) {
        check(++polls < 1_000) { "no readable event for token $token" } // each poll waits up to 1 s
        poll.poll(events, 1_000L)
        for (event in events) { // runs to the end: a finished for-each over Events reuses its iterator
            ready = ready || (event.token() == token && event.isReadable)
        }
    }
    buffer.clear()
    check(stream.read(buffer) == 1) { "the readable event came without its byte" }
}

/** One round trip: a sends a byte, b echoes it back. */
private fun pingPong(poll: Poll, events: Events, a: UnixStream, b: UnixStream, bufferA: ByteBuffer, bufferB: ByteBuffer) {
    bufferA.clear().limit(1)
    check(a.write(bufferA) == 1)
    awaitByte(poll, events, TOKEN_B, b, bufferB)
    bufferB.flip()
    check(b.write(bufferB) == 1)
    awaitByte(poll, events, TOKEN_A, a, bufferA)
}

class UnixAllocationTest : FunSpec({
    timeout = 120_000L

    test("a UnixStream ping-pong over a Poll with direct buffers allocates nothing per round trip") {
        val (a, b) = UnixStream.pair()
        Poll.open().use { poll ->
            a.use { b.use {
                val events = Events.withCapacity(16)
                poll.registry().register(a, TOKEN_A, Interest.READABLE)
                poll.registry().register(b, TOKEN_B, Interest.READABLE)
                val bufferA = ByteBuffer.allocateDirect(64)
                val bufferB = ByteBuffer.allocateDirect(64)
                repeat(WARM_UP) { pingPong(poll, events, a, b, bufferA, bufferB) }

                val perRoundTrip = Allocations.steadyStatePerOperation(MEASURED) {
                    var i = 0
                    while (i < MEASURED) {
                        pingPong(poll, events, a, b, bufferA, bufferB)
                        i++
                    }
                }
                perRoundTrip shouldBeLessThan 1.0
            } }
        }
    }
})

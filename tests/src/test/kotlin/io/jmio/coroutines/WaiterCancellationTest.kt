package io.jmio.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import java.nio.ByteBuffer
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** How a coroutine parked in a stream's read ends when it is cancelled, closed, or shares the stream by mistake. */
class WaiterCancellationTest : FunSpec({
    timeout = 60_000

    test("a second reader that is rejected leaves the first reader cancellable") {
        runEventLoop {
            withConnectedPair { _, conn ->
                val first = ParkedReader(this, conn)
                // In a job of its own, as inside withTimeout: rejected as documented...
                shouldThrow<IllegalStateException> {
                    withTimeout(5_000) { conn.read(ByteBuffer.allocateDirect(8)) }
                }
                // ...and the first reader's cancellation still works.
                first.job.cancel()
                withTimeoutOrNull(2_000) { first.job.join() }.shouldNotBeNull()
                first.ending.shouldBeInstanceOf<CancellationException>()
            }
        }
    }

    test("job.cancel() then stream.close() ends the reader with CancellationException and fails no parent") {
        repeat(200) { round ->
            runEventLoop {
                withConnectedPair { client, conn ->
                    lateinit var reader: ParkedReader
                    val parent = async {
                        coroutineScope { // the parent scope that must not fail
                            reader = ParkedReader(this, conn)
                            if (round % 8 == 7) {
                                // The case: a rejected second reader first, then the clean-up.
                                shouldThrow<IllegalStateException> { withTimeout(5_000) { conn.read(ByteBuffer.allocateDirect(8)) } }
                            }
                            // Data arriving in the same instant makes the loop complete the read while we cancel and close.
                            if (round % 2 == 0) client.writeFully(ByteBuffer.wrap(byteArrayOf(1)))
                            val closer = if (round % 4 < 2) Dispatchers.Default else coroutineContext
                            withContext(closer) {
                                reader.job.cancel()
                                conn.close()
                            }
                            withTimeoutOrNull(2_000) { reader.job.join() }.shouldNotBeNull()
                        }
                    }
                    parent.await() // throws if the reader failed its parent
                    // Either the byte came first (a normal return) or the cancellation did.
                    (reader.ending == null || reader.ending is CancellationException) shouldBe true
                }
            }
        }
    }
})

/** A coroutine parked in [conn]'s read (started undispatched, so it has parked on return), and how it ended. */
private class ParkedReader(scope: CoroutineScope, conn: TcpStream) {
    @Volatile var ending: Throwable? = null
    val job: Job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
        try {
            conn.read(ByteBuffer.allocateDirect(8))
        } catch (e: Throwable) {
            ending = e
            throw e
        }
    }
}

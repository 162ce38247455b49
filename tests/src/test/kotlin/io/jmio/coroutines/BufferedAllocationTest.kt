package io.jmio.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThan
import java.lang.management.ManagementFactory
import kotlinx.coroutines.launch

/**
 * The heap a line (or frame) round trip through [StreamReader] and [StreamWriter] allocates after
 * warm-up, client and server together on one loop thread (whose allocation counter sees it all).
 * The floor is the two `String`s (or payload arrays) the two sides' reads must return, and the
 * test's own suspend lambda per trip (its frame and its dispatch wrapper: 96 B). readLine,
 * readFrame, request and require suspend through one continuation per reader, reused, so they add
 * nothing; readInt and readByteArray suspend in a frame of their own (one per side). Measured on
 * JDK 17: 304 B per line (two Strings: 208 B), 256 B per frame by readFrame + writeFrame (two
 * arrays: 160 B), 448 B by readInt + readByteArray. The bounds catch a per-byte cost, a second
 * copy of each line (a CharArray decode, +288 B) or of one payload (+80 B), an object per helper
 * call, or a refill that allocates its frame again (+96 B per trip, one per side).
 */
class BufferedAllocationTest : FunSpec({
    timeout = 120_000

    fun allocatedBytes(): Long =
        (ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean)
            .getThreadAllocatedBytes(Thread.currentThread().id)

    /** Bytes allocated per round trip of [exchange] (the client's side; the server echoes with [serve]). */
    fun perRoundTrip(
        serve: suspend (StreamReader, StreamWriter) -> Unit,
        exchange: suspend (StreamReader, StreamWriter) -> Unit,
    ): Long = runEventLoop {
        val server = TcpListener.bind(LOOPBACK_ANY_PORT)
        val serverJob = launch { server.accept().use { serve(it.reader(), it.writer()) } }
        val client = TcpStream.connect(server.localAddress)
        val input = client.reader()
        val output = client.writer()
        repeat(200_000) { exchange(input, output) } // warm-up: C2 compiles the path
        val before = allocatedBytes()
        val measured = 100_000
        repeat(measured) { exchange(input, output) }
        val perTrip = (allocatedBytes() - before) / measured
        output.close()
        serverJob.join()
        server.close()
        perTrip
    }

    test("a 64-byte line round trip allocates the two lines' Strings and little else") {
        val line = "x".repeat(63)
        val perLine = perRoundTrip(
            serve = { input, output ->
                while (true) {
                    val got = input.readLine() ?: break
                    output.writeString(got)
                    output.writeByte('\n'.code.toByte())
                    output.flush()
                }
            },
            exchange = { input, output ->
                output.writeString(line)
                output.writeByte('\n'.code.toByte())
                output.flush()
                check(input.readLine()!!.length == 63)
            },
        )
        println("buffered line echo: $perLine B per round trip (client + server, two 63-char Strings)")
        perLine shouldBeLessThan 380
    }

    test("a length-prefixed 64-byte frame round trip allocates the two payload arrays and little else") {
        val payload = ByteArray(64) { it.toByte() }
        val perFrame = perRoundTrip(
            serve = { input, output ->
                while (!input.exhausted()) {
                    val got = input.readByteArray(input.readInt())
                    output.writeInt(got.size)
                    output.write(got)
                    output.flush()
                }
            },
            exchange = { input, output ->
                output.writeInt(payload.size)
                output.write(payload)
                output.flush()
                check(input.readByteArray(input.readInt()).size == 64)
            },
        )
        println("buffered frame echo: $perFrame B per round trip (client + server, two 64-byte arrays)")
        perFrame shouldBeLessThan 600
    }
    test("readFrame and writeFrame: a 64-byte frame round trip allocates the two payload arrays and little else") {
        val payload = ByteArray(64) { it.toByte() }
        val perFrame = perRoundTrip(
            serve = { input, output ->
                while (true) {
                    output.writeFrame(input.readFrame() ?: break)
                    output.flush()
                }
            },
            exchange = { input, output ->
                output.writeFrame(payload)
                output.flush()
                check(input.readFrame()!!.size == 64)
            },
        )
        println("readFrame/writeFrame echo: $perFrame B per round trip (client + server, two 64-byte arrays)")
        perFrame shouldBeLessThan 330
    }
})

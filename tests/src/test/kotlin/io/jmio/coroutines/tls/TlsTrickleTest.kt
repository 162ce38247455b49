package io.jmio.coroutines.tls

import io.jmio.coroutines.SuspendingRawSink
import io.jmio.coroutines.SuspendingRawSource
import io.jmio.coroutines.UnixStream
import io.jmio.coroutines.runEventLoop
import io.jmio.net.Shutdown
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlin.random.Random
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch

/**
 * A transport that cuts every read and write into pieces of 1..[most] bytes: records arrive in
 * pieces, so the engine sees every BUFFER_UNDERFLOW there is.
 */
private class TrickleTransport(private val inner: TlsTransport, seed: Int, private val most: Int) :
    TlsTransport, SuspendingRawSource, SuspendingRawSink {
    private val random = Random(seed)

    override suspend fun read(dst: ByteBuffer): Int {
        val limit = dst.limit()
        dst.limit(minOf(limit, dst.position() + 1 + random.nextInt(most)))
        try {
            return inner.read(dst)
        } finally {
            dst.limit(limit)
        }
    }

    override suspend fun writeFully(src: ByteBuffer) {
        val limit = src.limit()
        while (src.position() < limit) {
            src.limit(minOf(limit, src.position() + 1 + random.nextInt(most)))
            try {
                inner.writeFully(src)
            } finally {
                src.limit(limit)
            }
        }
    }

    override fun writeNow(src: ByteBuffer): Int = inner.writeNow(src)

    override fun shutdown(how: Shutdown) = inner.shutdown(how)

    override fun close() = inner.close()
}

/**
 * One side of the exchange: handshake, then send [out] while reading as many bytes back, at once.
 * Reading at once matters: a Unix socket charges each 1-byte write a whole buffer, so its send
 * buffer holds only a few hundred of them, and a TLS 1.3 server's NewSessionTicket waits for the
 * client to read.
 */
private suspend fun exchange(open: suspend () -> TlsStream, out: ByteBuffer): Pair<String, ByteBuffer> = open().use { conn ->
    coroutineScope {
        val size = out.remaining()
        val writer = launch { conn.writeFully(out) }
        val back = ByteBuffer.allocate(size)
        conn.readFully(back)
        writer.join()
        conn.shutdown(Shutdown.WRITE)
        conn.read(ByteBuffer.allocate(1)) shouldBe -1
        conn.session.protocol to back.flip()
    }
}

class TlsTrickleTest : FunSpec({
    timeout = 120_000

    for ((protocol, most) in listOf("TLSv1.3" to 1, "TLSv1.3" to 40, "TLSv1.2" to 1, "TLSv1.2" to 40)) {
        test("$protocol with records cut into pieces of 1..$most bytes: 256 KiB each way, every byte checked, close_notify both ways") {
            runEventLoop {
                val (a, b) = UnixStream.pair()
                val config = only(protocol)
                val size = 256 * 1024
                val up = bytes(3, size)
                val down = bytes(4, size)
                val expectUp = up.duplicate()
                val expectDown = down.duplicate()
                val server = async {
                    exchange({
                        TlsStream.open(TrickleTransport(b.asTlsTransport(), 2, most), config) { TlsEngineIo(it, TlsStream.serverEngine(TestPki.server, config)) }
                    }, down)
                }
                val client = exchange({
                    TlsStream.open(TrickleTransport(a.asTlsTransport(), 1, most), config) {
                        TlsEngineIo(it, TlsStream.clientEngine(TestPki.client, "localhost", -1, config))
                    }
                }, up)
                client shouldBe (protocol to expectDown)
                server.await() shouldBe (protocol to expectUp)
            }
        }
    }
})

package io.jmio.coroutines.tls

import io.jmio.coroutines.runEventLoop
import io.kotest.assertions.fail
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import java.nio.ByteBuffer
import javax.net.ssl.SSLHandshakeException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll

/**
 * The live threads, but for the kotlinx scheduler's workers: `Dispatchers.IO`, where the
 * handshakes' delegated tasks run, is a shared pool of bounded size whose idle workers retire
 * after a minute, not when a handshake ends.
 */
private fun liveThreads(): Set<Thread> =
    Thread.getAllStackTraces().keys.filter { it.isAlive && !it.name.startsWith("DefaultDispatcher-worker-") }.toSet()

/** TLS 1.3 and 1.2 handshakes with a client certificate (more delegated tasks), and one refused. */
private suspend fun handshakes() {
    for (protocol in listOf("TLSv1.3", "TLSv1.2")) {
        withTlsPair(
            clientConfig = only(protocol),
            serverConfig = only(protocol, TlsConfig(clientAuth = ClientAuth.NEED)),
            clientContext = TestPki.clientWithCertificate,
        ) { client, server ->
            client.writeFully(ascii("x"))
            server.readFully(ByteBuffer.allocate(1))
        }
    }
    shouldThrow<SSLHandshakeException> { withTlsPair(host = "wrong.example") { _, _ -> } }
}

class TlsThreadLeakTest : FunSpec({
    timeout = 120_000

    test("handshakes, with their delegated tasks, leave no thread behind") {
        runEventLoop { handshakes() } // what the JVM starts once for good (JSSE's, the default loop's) is running now
        val before = liveThreads()
        runEventLoop {
            repeat(5) { handshakes() }
            List(8) { async { handshakes() } }.awaitAll()
        }
        // A thread that ends as its work does may take a moment to be gone.
        val deadline = System.nanoTime() + 10_000_000_000L
        while ((liveThreads() - before).isNotEmpty()) {
            if (System.nanoTime() > deadline) fail("threads left running: ${(liveThreads() - before).map { it.name }}")
            Thread.sleep(20)
        }
    }
})

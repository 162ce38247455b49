package io.jmio.coroutines.tls

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.fdsOpenedSince
import io.jmio.coroutines.openFds
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

private suspend fun roundTrip(conn: TlsStream, text: String): String {
    conn.writeFully(ascii(text))
    val back = ByteBuffer.allocate(text.length)
    conn.readFully(back)
    return back.flip().utf8()
}

/**
 * A TLS 1.2 client renegotiating: the JDK's engine accepts a client's secure renegotiation
 * (RFC 5746) unless `-Djdk.tls.rejectClientInitiatedRenegotiation=true` says otherwise, JVM-wide,
 * so the connection must go on through it, as it would over the JDK's own SSLSocket.
 */
class TlsRenegotiationTest : FunSpec({
    timeout = 120_000

    test("openssl s_client renegotiating TLS 1.2 (its R command) is echoed after it; a bystander on the same loop is served; no fd left") {
        EventLoopGroup(1).use { group ->
            runBlocking {
                val ended = CompletableDeferred<Throwable?>()
                val server = serveTls(group, LOOPBACK, TestPki.server) { conn ->
                    val outcome = runCatching { echo(conn) }
                    ended.complete(outcome.exceptionOrNull())
                    outcome.getOrThrow()
                }
                val port = server.localAddress.port
                TlsStream.connect("localhost", port, TestPki.client).use { bystander ->
                    roundTrip(bystander, "before") shouldBe "before"
                    val fdsBefore = openFds()
                    // Not -quiet: that turns s_client's commands off.
                    OpensslProcess(
                        "s_client", "-connect", "127.0.0.1:$port", "-servername", "localhost", "-CAfile", "ca.pem",
                        "-verify_return_error", "-tls1_2",
                    ).use { client ->
                        client.send("hello\n")
                        withContext(Dispatchers.IO) { client.awaitLine { it == "hello" } }
                        client.send("R\n")
                        // s_client drops what follows R in the same read, and sends its ClientHello with
                        // its next write: "after" goes once R is taken, and comes back only once the
                        // renegotiation is over.
                        withContext(Dispatchers.IO) { client.awaitStderr("RENEGOTIATING") }
                        client.send("after\n")
                        withContext(Dispatchers.IO) { client.awaitLine { it == "after" } }
                        roundTrip(bystander, "during") shouldBe "during"
                        client.process.outputStream.close() // s_client's end of input: close_notify
                        withTimeout(10.seconds) { ended.await() } shouldBe null
                    }
                    roundTrip(bystander, "after") shouldBe "after"
                    fdsOpenedSince(fdsBefore).shouldBeEmpty()
                }
                server.job.cancelAndJoin()
            }
        }
    }
})

package io.jmio.coroutines.tls

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import java.nio.ByteBuffer
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLSession
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

class TlsResumptionTest : FunSpec({
    timeout = 120_000

    for (protocol in listOf("TLSv1.3", "TLSv1.2")) {
        test("$protocol: a second connection from the same client context resumes the session") {
            runEventLoop {
                // A fresh client context: its session cache holds only this test's sessions.
                val context = TlsContexts.fromPemFiles(trustedCertificates = TestPki.path("ca.pem"))
                TcpListener.bind(LOOPBACK).use { listener ->
                    val server = launch {
                        while (true) {
                            val conn = TlsStream.server(listener.accept(), TestPki.server, only(protocol))
                            launch { conn.use { echo(it) } }
                        }
                    }
                    suspend fun session(context: SSLContext): SSLSession {
                        delay(10) // creation times are in milliseconds: a new session gets a later one
                        return TlsStream.client(TcpStream.connect(listener.localAddress), "localhost", context, only(protocol)).use { conn ->
                            // A round trip: a TLS 1.3 client gets its session ticket after the handshake.
                            conn.writeFully(ascii("x"))
                            conn.readFully(ByteBuffer.allocate(1))
                            conn.session
                        }
                    }
                    val first = session(context)
                    session(context).creationTime shouldBe first.creationTime
                    // The control: a context with an empty cache makes a new session.
                    session(TlsContexts.fromPemFiles(trustedCertificates = TestPki.path("ca.pem"))).creationTime shouldNotBe first.creationTime
                    server.cancelAndJoin()
                }
            }
        }
    }
})

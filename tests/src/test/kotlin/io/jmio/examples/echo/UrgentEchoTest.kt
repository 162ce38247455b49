package io.jmio.examples.echo

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.connect
import io.jmio.examples.expectEcho
import io.jmio.examples.withServer
import io.jmio.testing.listeningFd
import io.jmio.testing.send
import io.jmio.testing.setOobInline
import io.kotest.core.spec.style.FunSpec
import java.net.Socket

/**
 * Urgent (out-of-band) data must not stall an echo: Linux stops a read short at the urgent mark,
 * so a server that trusts every short read to have emptied the socket holds the bytes behind the
 * mark until the client sends again. Every echo server, with the urgent byte out of band (the
 * default) and inline (SO_OOBINLINE set on the listener, which accepted sockets inherit); every
 * wait is bounded by 2 s.
 */
class UrgentEchoTest : FunSpec({
    timeout = 120_000L
    blockingTest = true

    for (api in EchoServers.APIS) {
        for (inline in listOf(false, true)) {
            context("echo --api $api, ${if (inline) "SO_OOBINLINE" else "urgent byte out of band"}") {
                test("AAAA, urgent B, CCCC back to back: everything is echoed without waiting for more") {
                    withUrgentEcho(api, inline) { client ->
                        client.send("AAAA", urgent = 'B', then = "CCCC")
                        client.expectEcho(if (inline) "AAAABCCCC" else "AAAACCCC")
                    }
                }

                test("AAAA then an urgent B with nothing behind it, then more later") {
                    withUrgentEcho(api, inline) { client ->
                        client.send("AAAA", urgent = 'B')
                        client.expectEcho(if (inline) "AAAAB" else "AAAA")
                        client.send("DD")
                        client.expectEcho("DD")
                    }
                }

                test("an urgent byte alone, then ordinary data") {
                    withUrgentEcho(api, inline) { client ->
                        client.send("", urgent = 'B')
                        if (inline) client.expectEcho("B")
                        client.send("CCCC")
                        client.expectEcho("CCCC")
                    }
                }
            }
        }
    }
})

private fun withUrgentEcho(api: String, inline: Boolean, body: (Socket) -> Unit) =
    withServer({ EchoServers.start(api, LOOPBACK_ANY, 1) }) { server ->
        if (inline) setOobInline(listeningFd(server.localAddress().port))
        connect(server.localAddress()).use { client ->
            client.tcpNoDelay = true // each send its own segment, as a telnet client's keystrokes are
            body(client)
        }
    }

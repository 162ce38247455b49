package io.jmio.examples.echo

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.connect
import io.jmio.examples.hostPort
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.random.Random

class EchoExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    for (api in EchoServers.APIS) {
        context("echo --api $api") {
            test("socat gets back exactly what it sent, 4 MiB of it, then end of stream") {
                withServer({ EchoServers.start(api, LOOPBACK_ANY, 1) }) { server ->
                    val payload = Random(1).nextBytes(4 * 1024 * 1024)
                    // -t: after its input ends, socat waits this long for the echo to end too.
                    val result = runClient("socat", "-t", "30", "-", "TCP:${server.localAddress().hostPort}", stdin = payload)
                    withClue(result.stderr) { result.exitCode shouldBe 0 }
                    result.stdoutBytes.size shouldBe payload.size
                    result.stdoutBytes.contentEquals(payload) shouldBe true
                }
            }

            test("many clients at once each get their own bytes back") {
                withServer({ EchoServers.start(api, LOOPBACK_ANY, 1) }) { server ->
                    val clients = List(20) { connect(server.localAddress()) }
                    try {
                        repeat(10) { round ->
                            for ((i, client) in clients.withIndex()) {
                                val message = "client $i round $round\n".toByteArray()
                                client.getOutputStream().write(message)
                                client.getInputStream().readNBytes(message.size) shouldBe message
                            }
                        }
                    } finally {
                        clients.forEach { it.close() }
                    }
                }
            }
        }
    }

    test("the coroutine echo serves from several loops") {
        withServer({ EchoServers.start("coroutines", LOOPBACK_ANY, 3) }) { server ->
            val clients = List(12) { connect(server.localAddress()) }
            try {
                for ((i, client) in clients.withIndex()) {
                    client.getOutputStream().write("hello $i".toByteArray())
                    String(client.getInputStream().readNBytes("hello $i".length)) shouldBe "hello $i"
                }
            } finally {
                clients.forEach { it.close() }
            }
        }
    }
})

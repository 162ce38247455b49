package io.jmio.examples.http

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.connect
import io.jmio.examples.hostPort
import io.jmio.examples.runClient
import io.jmio.examples.server.RunningServer
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import java.net.InetSocketAddress

private fun start(api: String, idleMillis: Long = 30_000, threads: Int = 1): RunningServer = when (api) {
    "core" -> CoreHttpServer.start(LOOPBACK_ANY, threads, idleMillis)
    else -> CoroutineHttpServer(idleMillis, HttpDate()).start(LOOPBACK_ANY, threads)
}

private fun url(address: InetSocketAddress, path: String = "/") = "http://${address.hostPort}$path"

private fun curl(vararg args: String) = runClient("curl", "-s", "--max-time", "20", *args)

/** Reads from [socket] until what it read ends with [end]. */
private fun readThrough(socket: java.net.Socket, end: String): String {
    val text = StringBuilder()
    while (!text.endsWith(end)) {
        val b = socket.getInputStream().read()
        check(b >= 0) { "end of stream after: $text" }
        text.append(b.toChar())
    }
    return text.toString()
}

/** The status codes of the responses in [text], in order. */
private fun statusCodes(text: String): List<Int> =
    Regex("HTTP/1\\.1 (\\d{3}) ").findAll(text).map { it.groupValues[1].toInt() }.toList()

class HttpExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    for (api in listOf("coroutines", "core")) {
        context("http --api $api") {
            test("curl gets Hello, World! with Content-Type, Content-Length, Date and Server") {
                withServer({ start(api) }) { server ->
                    val reply = curl("-i", url(server.localAddress()))
                    reply.exitCode shouldBe 0
                    val (head, body) = reply.stdout.split("\r\n\r\n", limit = 2)
                    head shouldStartWith "HTTP/1.1 200 OK\r\n"
                    head shouldContain "\r\nContent-Type: text/plain\r\n"
                    "$head\r\n" shouldContain "\r\nContent-Length: 13\r\n"
                    head shouldContain "\r\nServer: jmio\r\n"
                    withClue(head) {
                        Regex("\r\nDate: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n").containsMatchIn(head) shouldBe true
                    }
                    body shouldBe "Hello, World!"
                }
            }

            test("other paths get 404; HEAD gets no body") {
                withServer({ start(api) }) { server ->
                    curl("-o", "/dev/null", "-w", "%{http_code}", url(server.localAddress(), "/nope")).stdout shouldBe "404"
                    val head = curl("-I", url(server.localAddress()))
                    head.stdout shouldStartWith "HTTP/1.1 200 OK"
                    head.stdout shouldNotContain "Hello"
                }
            }

            test("curl keeps the connection alive across requests") {
                withServer({ start(api) }) { server ->
                    val reply = curl("-v", url(server.localAddress()), url(server.localAddress()), url(server.localAddress(), "/x"))
                    reply.exitCode shouldBe 0
                    reply.stdout shouldBe "Hello, World!Hello, World!Not Found\n"
                    Regex("Re-using existing connection").findAll(reply.stderr).count() shouldBe 2
                }
            }

            test("pipelined requests in one write are answered in order") {
                withServer({ start(api) }) { server ->
                    connect(server.localAddress()).use { socket ->
                        val requests = "GET / HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n" +
                            "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /?again HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                        socket.getOutputStream().write(requests.toByteArray())
                        val replies = socket.getInputStream().readAllBytes().decodeToString()
                        statusCodes(replies) shouldBe listOf(200, 404, 200, 200)
                        replies.split("Hello, World!").size shouldBe 3 // two bodies: the HEAD had none
                    }
                }
            }

            test("a malformed request gets 400 and the connection closes") {
                withServer({ start(api) }) { server ->
                    connect(server.localAddress()).use { socket ->
                        socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n".toByteArray())
                        val reply = socket.getInputStream().readAllBytes().decodeToString()
                        statusCodes(reply) shouldBe listOf(400)
                        reply shouldContain "Connection: close\r\n"
                    }
                    // The server goes on.
                    curl(url(server.localAddress())).stdout shouldBe "Hello, World!"
                }
            }

            test("headers over 8 KiB get 431") {
                withServer({ start(api) }) { server ->
                    val big = "X-Big: " + "a".repeat(9 * 1024)
                    curl("-o", "/dev/null", "-w", "%{http_code}", "-H", big, url(server.localAddress())).stdout shouldBe "431"
                }
            }

            test("an idle connection is closed after the idle timeout") {
                withServer({ start(api, idleMillis = 300) }) { server ->
                    connect(server.localAddress()).use { socket ->
                        val started = System.nanoTime()
                        socket.getInputStream().read() shouldBe -1
                        val waitedMillis = (System.nanoTime() - started) / 1_000_000
                        withClue("closed after $waitedMillis ms") { (waitedMillis >= 250) shouldBe true }
                    }
                    // A busy connection is not: requests keep it alive past the timeout.
                    connect(server.localAddress()).use { socket ->
                        repeat(6) {
                            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".toByteArray())
                            readThrough(socket, "Hello, World!") shouldStartWith "HTTP/1.1 200 OK"
                            Thread.sleep(100)
                        }
                    }
                }
            }

            test("wrk runs against it with no errors") {
                withServer({ start(api, threads = 2) }) { server ->
                    val report = runClient("wrk", "-t", "2", "-c", "32", "-d", "2s", url(server.localAddress()))
                    withClue(report) {
                        report.exitCode shouldBe 0
                        report.stdout shouldContain "Requests/sec:"
                        report.stdout shouldNotContain "Non-2xx"
                        report.stdout shouldNotContain "Socket errors"
                        (Regex("(\\d+) requests in").find(report.stdout)!!.groupValues[1].toLong() > 100) shouldBe true
                    }
                }
            }
        }
    }
})

package io.jmio.examples.http

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import java.nio.ByteBuffer

/** Feeds request bytes to an [HttpSession] the way the servers do, collecting what it answers. */
private class Exchange(clockMillis: Long = 784_111_777_000L) {
    val session = HttpSession(HttpDate { clockMillis })
    val input: ByteBuffer = ByteBuffer.allocateDirect(16 * 1024)
    val output: ByteBuffer = ByteBuffer.allocateDirect(64 * 1024)

    /** Sends [request] (in one piece) and returns everything answered so far. */
    fun send(request: String): String = send(request.toByteArray(Charsets.ISO_8859_1))

    fun send(request: ByteArray): String {
        input.put(request)
        input.flip()
        val answer = StringBuilder()
        do {
            val before = input.remaining()
            session.process(input, output)
            output.flip()
            val bytes = ByteArray(output.remaining())
            output.get(bytes)
            output.clear()
            answer.append(String(bytes, Charsets.ISO_8859_1))
        } while (bytes.isNotEmpty() && input.remaining() in 1 until before && !session.isClosing)
        input.compact()
        return answer.toString()
    }
}

private fun String.responses(): List<String> = split("HTTP/1.1 ").filter { it.isNotEmpty() }.map { "HTTP/1.1 $it" }

private fun String.statusCodes(): List<Int> = responses().map { it.substring(9, 12).toInt() }

class HttpSessionTest : FunSpec({
    test("GET / answers Hello, World! with Content-Length, Date, Server and a text type") {
        val answer = Exchange().send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer shouldBe "HTTP/1.1 200 OK\r\nServer: jmio\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n" +
            "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
    }

    test("the Date header has a two-digit day and changes with the second") {
        var now = 1_700_000_000_000L // Tue, 14 Nov 2023 22:13:20 GMT
        val date = HttpDate { now }
        String(date.headerLine()) shouldBe "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
        now = 1_704_153_600_999L // Tue, 02 Jan 2024 00:00:00 GMT
        String(date.headerLine()) shouldBe "Date: Tue, 02 Jan 2024 00:00:00 GMT\r\n"
    }

    test("HEAD / answers the same headers without the body") {
        val answer = Exchange().send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer shouldContain "Content-Length: 13\r\n"
        answer shouldNotContain "Hello"
        answer.endsWith("\r\n\r\n") shouldBe true
    }

    test("other paths get 404, a query string on / still gets Hello") {
        val exchange = Exchange()
        exchange.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n").statusCodes() shouldBe listOf(404)
        exchange.send("GET /?name=jmio HTTP/1.1\r\nHost: x\r\n\r\n").statusCodes() shouldBe listOf(200)
        exchange.session.isClosing shouldBe false
    }

    test("other methods on / get 405 with Allow and keep the connection") {
        val exchange = Exchange()
        val answer = exchange.send("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer.statusCodes() shouldBe listOf(405)
        answer shouldContain "Allow: GET, HEAD\r\n"
        exchange.session.isClosing shouldBe false
    }

    test("pipelined requests are all answered, in order, in one batch") {
        val exchange = Exchange()
        val batch = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        exchange.session.process(exchange.input.put(batch.toByteArray()).flip(), exchange.output)
        val answer = exchange.output.flip().let { val b = ByteArray(it.remaining()); it.get(b); String(b) }
        answer.statusCodes() shouldBe listOf(200, 404, 200, 200)
        answer.responses()[2] shouldNotContain "Hello"
        exchange.input.remaining() shouldBe 0
    }

    test("a request split at every byte is answered once it is complete") {
        val exchange = Exchange()
        val request = "GET / HTTP/1.1\r\nHost: example\r\nAccept: */*\r\n\r\n"
        val answers = request.map { exchange.send(it.toString()) }
        answers.dropLast(1).all { it.isEmpty() } shouldBe true
        answers.last().statusCodes() shouldBe listOf(200)
    }

    test("many pipelined requests beyond the output's room are answered after flushes") {
        val exchange = Exchange()
        val one = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        exchange.send(one.repeat(500)).statusCodes() shouldBe List(500) { 200 }
    }

    test("HTTP/1.1 closes after Connection: close, and says so") {
        val exchange = Exchange()
        val answer = exchange.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer.statusCodes() shouldBe listOf(200)
        answer shouldContain "Connection: close\r\n"
        exchange.session.isClosing shouldBe true
    }

    test("HTTP/1.0 closes by default and keeps alive on request") {
        val closing = Exchange()
        closing.send("GET / HTTP/1.0\r\n\r\n") shouldContain "Connection: close\r\n"
        closing.session.isClosing shouldBe true

        val keeping = Exchange()
        keeping.send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") shouldContain "Connection: keep-alive\r\n"
        keeping.session.isClosing shouldBe false
    }

    test("Connection options are a case-insensitive list") {
        val exchange = Exchange()
        exchange.send("GET / HTTP/1.1\r\nHost: x\r\nconnection: Upgrade, CLOSE\r\n\r\n")
        exchange.session.isClosing shouldBe true
    }

    test("bare LF line endings and leading empty lines are accepted") {
        Exchange().send("\r\n\nGET / HTTP/1.1\nHost: x\n\n").statusCodes() shouldBe listOf(200)
    }

    test("a Content-Length body is skipped, even when it arrives later") {
        val exchange = Exchange()
        exchange.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123").statusCodes() shouldBe listOf(404)
        exchange.send("456789GET / HTTP/1.1\r\nHost: x\r\n\r\n").statusCodes() shouldBe listOf(200)
    }

    test("malformed requests get 400 and close the connection") {
        val malformed = listOf(
            "GET\r\n\r\n",
            "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / FTP/1.1\r\nHost: x\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\rBad: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        )
        for (request in malformed) {
            val exchange = Exchange()
            val answer = exchange.send(request + "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            withClue(request) {
                answer.statusCodes() shouldBe listOf(400)
                answer shouldContain "Connection: close\r\n"
                exchange.session.isClosing shouldBe true
            }
        }
    }

    test("a second Content-Length is refused even when the first is 0 (found by ProtocolFuzzTest)") {
        // A zero length once counted as "no length yet", so the second one framed the body: a
        // smuggling risk, as a proxy in front may have used the first.
        for (lengths in listOf("0" to "5", "0" to "0", "5" to "0")) {
            val exchange = Exchange()
            val answer = exchange.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${lengths.first}\r\nContent-Length: ${lengths.second}\r\n\r\nhello",
            )
            withClue(lengths) {
                answer.statusCodes() shouldBe listOf(400)
                exchange.session.isClosing shouldBe true
            }
        }
    }

    test("headers over 8 KiB get 431, whether the head is complete or still arriving") {
        val big = "X-Filler: " + "a".repeat(HttpSession.MAX_HEAD) + "\r\n"
        Exchange().send("GET / HTTP/1.1\r\nHost: x\r\n$big\r\n").statusCodes() shouldBe listOf(431)
        val arriving = Exchange()
        arriving.send("GET / HTTP/1.1\r\nHost: x\r\n$big").statusCodes() shouldBe listOf(431)
        arriving.session.isClosing shouldBe true
    }

    test("a head of exactly 8 KiB is accepted") {
        val head = "GET / HTTP/1.1\r\nHost: x\r\nX: \r\n\r\n"
        val padded = head.replace("X: ", "X: " + "p".repeat(HttpSession.MAX_HEAD - head.length))
        padded.length shouldBe HttpSession.MAX_HEAD
        Exchange().send(padded).statusCodes() shouldBe listOf(200)
    }

    test("HTTP/2.0 in an HTTP/1 request line gets 505; HTTP/1.2 is answered as 1.1") {
        Exchange().send("GET / HTTP/2.0\r\nHost: x\r\n\r\n").statusCodes() shouldBe listOf(505)
        Exchange().send("GET / HTTP/1.2\r\nHost: x\r\n\r\n").statusCodes() shouldBe listOf(200)
    }

    test("Transfer-Encoding gets 501 and closes") {
        val exchange = Exchange()
        exchange.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").statusCodes() shouldBe listOf(501)
        exchange.session.isClosing shouldBe true
    }

    test("a body announced with Expect: 100-continue is not waited for: the answer closes") {
        val exchange = Exchange()
        val answer = exchange.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
        answer.statusCodes() shouldBe listOf(405)
        answer shouldStartWith "HTTP/1.1 405"
        exchange.session.isClosing shouldBe true
    }

    test("answering pipelined GETs allocates nothing") {
        val exchange = Exchange()
        val batch = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n".repeat(100).toByteArray()
        val threads = java.lang.management.ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
        fun round() {
            exchange.input.clear()
            exchange.input.put(batch).flip()
            while (exchange.input.hasRemaining()) {
                exchange.session.process(exchange.input, exchange.output)
                exchange.output.clear()
            }
        }
        repeat(2_000) { round() } // warm up: let the JIT compile and escape-analyse
        val before = threads.getThreadAllocatedBytes(Thread.currentThread().id)
        repeat(1_000) { round() }
        val allocated = threads.getThreadAllocatedBytes(Thread.currentThread().id) - before
        // 100,000 requests: anything per request would be megabytes; allow the Date line's refresh.
        (allocated < 64 * 1024) shouldBe true
    }
})

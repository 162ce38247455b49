package io.jmio.examples.kv

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.nio.ByteBuffer

/** A client connection to a [KvSession], fed the way the server feeds it: at most what its input has room for. */
internal class Client(val store: Store = Store(), maxBulk: Long = KvSession.DEFAULT_MAX_BULK) {
    val session = KvSession(store, maxBulk)

    /** Sends raw protocol bytes; returns every reply produced, until the session wants more or closes. */
    fun raw(bytes: String): String {
        val replies = StringBuilder()
        val pending = ByteBuffer.wrap(bytes.toByteArray(Charsets.ISO_8859_1))
        while (!session.isClosing) {
            val input = session.input()
            val chunk = minOf(pending.remaining(), input.remaining())
            input.put(input.position(), pending, pending.position(), chunk).position(input.position() + chunk)
            pending.position(pending.position() + chunk)
            while (true) {
                val out = session.process() ?: break
                val reply = ByteArray(out.remaining())
                out.get(reply)
                replies.append(String(reply, Charsets.ISO_8859_1))
            }
            if (!pending.hasRemaining()) break
        }
        return replies.toString()
    }

    /** Sends raw protocol bytes in pieces of [piece] bytes, processing after each, as reads of a slow socket would. */
    fun rawInPieces(bytes: String, piece: Int): String = buildString {
        for (start in bytes.indices step piece) append(raw(bytes.substring(start, minOf(bytes.length, start + piece))))
    }

    /** Sends one command as a multibulk request; returns its reply. */
    fun call(vararg args: String): String = raw(encode(*args))

    companion object {
        fun encode(vararg args: String): String =
            "*${args.size}\r\n" + args.joinToString("") { "\$${it.toByteArray(Charsets.ISO_8859_1).size}\r\n$it\r\n" }
    }
}

private fun bulk(value: String) = "\$${value.length}\r\n$value\r\n"

private const val NIL = "\$-1\r\n"
private const val OK = "+OK\r\n"

private fun int(value: Long) = ":$value\r\n"

class KvSessionTest : FunSpec({
    test("PING, PING message and ECHO") {
        val client = Client()
        client.call("PING") shouldBe "+PONG\r\n"
        client.call("ping", "hi") shouldBe bulk("hi")
        client.call("ECHO", "hello world") shouldBe bulk("hello world")
    }

    test("inline requests, with quotes and escapes") {
        val client = Client()
        client.raw("PING\r\n") shouldBe "+PONG\r\n"
        client.raw("set greeting \"hello \\\"you\\\"\\x21\"\n") shouldBe OK
        client.call("GET", "greeting") shouldBe bulk("hello \"you\"!")
        client.raw("SET 'a b' 'it\\'s'\r\n") shouldBe OK
        client.call("GET", "a b") shouldBe bulk("it's")
        client.raw("\r\n   \r\nPING\r\n") shouldBe "+PONG\r\n"
    }

    test("unbalanced quotes in an inline request are a protocol error that closes") {
        val client = Client()
        client.raw("SET \"a b\r\n") shouldStartWith "-ERR Protocol error: unbalanced quotes"
        client.session.isClosing shouldBe true
        Client().raw("SET \"a\"b c\r\n") shouldStartWith "-ERR Protocol error: unbalanced quotes"
    }

    test("SET and GET, binary-safe") {
        val client = Client()
        val binary = String(ByteArray(256) { it.toByte() }, Charsets.ISO_8859_1)
        client.call("SET", "k", binary) shouldBe OK
        client.call("GET", "k") shouldBe bulk(binary)
        client.call("GET", "missing") shouldBe NIL
    }

    test("SET NX and XX") {
        val client = Client()
        client.call("SET", "k", "1", "XX") shouldBe NIL
        client.call("SET", "k", "1", "NX") shouldBe OK
        client.call("SET", "k", "2", "nx") shouldBe NIL
        client.call("SET", "k", "3", "XX") shouldBe OK
        client.call("GET", "k") shouldBe bulk("3")
        client.call("SET", "k", "4", "NX", "XX") shouldBe "-ERR syntax error\r\n"
        client.call("SET", "k", "4", "BOGUS") shouldBe "-ERR syntax error\r\n"
    }

    test("SET EX and PX expire the key, by the store's clock") {
        var now = 1_000_000L
        val client = Client(Store { now })
        client.call("SET", "a", "1", "EX", "10") shouldBe OK
        client.call("SET", "b", "1", "PX", "1500") shouldBe OK
        client.call("TTL", "a") shouldBe int(10)
        client.call("PTTL", "b") shouldBe int(1500)
        now += 1500
        client.call("GET", "b") shouldBe bulk("1")
        now += 1
        client.call("GET", "b") shouldBe NIL
        client.call("PTTL", "a") shouldBe int(8_499)
        client.call("TTL", "a") shouldBe int(8) // rounded to the nearest second, as Redis does
        now += 8_499
        client.call("EXISTS", "a") shouldBe int(1) // its last millisecond
        now += 1
        client.call("EXISTS", "a") shouldBe int(0)
    }

    test("SET without KEEPTTL clears the expiry; with KEEPTTL keeps it") {
        var now = 0L
        val client = Client(Store { now })
        client.call("SET", "k", "v", "EX", "100")
        client.call("SET", "k", "v", "KEEPTTL") shouldBe OK
        client.call("TTL", "k") shouldBe int(100)
        client.call("SET", "k", "w")
        client.call("TTL", "k") shouldBe int(-1)
        client.session.store.expiringSize() shouldBe 0
    }

    test("SET with a bad expire time") {
        val client = Client()
        client.call("SET", "k", "v", "EX", "0") shouldBe "-ERR invalid expire time in 'set' command\r\n"
        client.call("SET", "k", "v", "PX", "-5") shouldBe "-ERR invalid expire time in 'set' command\r\n"
        client.call("SET", "k", "v", "EX", "ten") shouldBe "-ERR value is not an integer or out of range\r\n"
        client.call("SET", "k", "v", "EX", "9223372036854775807") shouldBe "-ERR invalid expire time in 'set' command\r\n"
        client.call("SET", "k", "v", "EX") shouldBe "-ERR syntax error\r\n"
        client.call("EXISTS", "k") shouldBe int(0)
    }

    test("DEL and EXISTS count keys, EXISTS counts repeats") {
        val client = Client()
        client.call("MSET", "a", "1", "b", "2") shouldBe OK
        client.call("EXISTS", "a", "a", "b", "c") shouldBe int(3)
        client.call("DEL", "a", "c", "a") shouldBe int(1)
        client.call("EXISTS", "a") shouldBe int(0)
        client.call("DBSIZE") shouldBe int(1)
    }

    test("INCR, DECR, INCRBY, DECRBY") {
        val client = Client()
        client.call("INCR", "n") shouldBe int(1)
        client.call("INCRBY", "n", "41") shouldBe int(42)
        client.call("DECR", "n") shouldBe int(41)
        client.call("DECRBY", "n", "-9") shouldBe int(50)
        client.call("GET", "n") shouldBe bulk("50")
        client.call("SET", "n", "-9223372036854775808") shouldBe OK
        client.call("DECR", "n") shouldBe "-ERR increment or decrement would overflow\r\n"
        client.call("INCR", "n") shouldBe int(-9223372036854775807)
    }

    test("INCR refuses values that are not canonical integers") {
        val client = Client()
        for (value in listOf("abc", "", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999")) {
            client.call("SET", "n", value)
            withClue(value) { client.call("INCR", "n") shouldBe "-ERR value is not an integer or out of range\r\n" }
        }
        client.call("INCRBY", "m", "x") shouldBe "-ERR value is not an integer or out of range\r\n"
    }

    test("INCR keeps the key's expiry") {
        var now = 0L
        val client = Client(Store { now })
        client.call("SET", "n", "1", "EX", "100")
        client.call("INCR", "n") shouldBe int(2)
        client.call("TTL", "n") shouldBe int(100)
    }

    test("MSET and MGET") {
        val client = Client()
        client.call("MSET", "a", "1", "b", "2", "a", "3") shouldBe OK
        client.call("MGET", "a", "b", "c") shouldBe "*3\r\n" + bulk("3") + bulk("2") + NIL
        client.call("MSET", "a", "1", "b") shouldBe "-ERR wrong number of arguments for 'mset' command\r\n"
    }

    test("EXPIRE, TTL and its NX / XX / GT / LT conditions") {
        var now = 5_000L
        val client = Client(Store { now })
        client.call("EXPIRE", "missing", "10") shouldBe int(0)
        client.call("TTL", "missing") shouldBe int(-2)
        client.call("SET", "k", "v")
        client.call("TTL", "k") shouldBe int(-1)
        client.call("EXPIRE", "k", "100", "XX") shouldBe int(0)
        client.call("EXPIRE", "k", "100", "GT") shouldBe int(0)
        client.call("EXPIRE", "k", "100", "NX") shouldBe int(1)
        client.call("EXPIRE", "k", "50", "NX") shouldBe int(0)
        client.call("EXPIRE", "k", "50", "GT") shouldBe int(0)
        client.call("EXPIRE", "k", "200", "GT") shouldBe int(1)
        client.call("EXPIRE", "k", "20", "LT") shouldBe int(1)
        client.call("TTL", "k") shouldBe int(20)
        client.call("EXPIRE", "k", "1", "NX", "XX") shouldStartWith "-ERR NX and XX"
        client.call("EXPIRE", "k", "ten") shouldBe "-ERR value is not an integer or out of range\r\n"
        client.call("EXPIRE", "k", "0") shouldBe int(1)
        client.call("EXISTS", "k") shouldBe int(0)
        client.session.store.expiringSize() shouldBe 0
    }

    test("DBSIZE and FLUSHALL") {
        val client = Client()
        client.call("MSET", "a", "1", "b", "2", "c", "3")
        client.call("SET", "d", "4", "EX", "100")
        client.call("DBSIZE") shouldBe int(4)
        client.call("FLUSHALL") shouldBe OK
        client.call("DBSIZE") shouldBe int(0)
        client.session.store.expiringSize() shouldBe 0
        client.call("FLUSHALL", "NOW") shouldBe "-ERR syntax error\r\n"
    }

    test("unknown commands and wrong arity get Redis's errors and the connection goes on") {
        val client = Client()
        client.call("FOO", "a", "b") shouldBe "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
        client.call("GET") shouldBe "-ERR wrong number of arguments for 'get' command\r\n"
        client.call("GET", "a", "b") shouldBe "-ERR wrong number of arguments for 'get' command\r\n"
        client.call("PING", "a", "b") shouldBe "-ERR wrong number of arguments for 'ping' command\r\n"
        client.session.isClosing shouldBe false
        client.call("PING") shouldBe "+PONG\r\n"
    }

    test("pipelined requests are answered in order") {
        val client = Client()
        val batch = Client.encode("SET", "k", "1") + Client.encode("INCR", "k") + "PING\r\n" +
            Client.encode("GET", "k") + Client.encode("NOPE")
        client.raw(batch) shouldBe OK + int(2) + "+PONG\r\n" + bulk("2") +
            "-ERR unknown command 'NOPE', with args beginning with: \r\n"
    }

    test("a request split at every byte is parsed once complete") {
        val client = Client()
        val request = Client.encode("SET", "key", "value") + Client.encode("GET", "key")
        val replies = request.map { client.raw(it.toString()) }.joinToString("")
        replies shouldBe OK + bulk("value")
    }

    test("a value larger than the buffers round-trips") {
        val client = Client()
        val big = "x".repeat(200_000)
        client.call("SET", "big", big) shouldBe OK
        client.call("GET", "big") shouldBe bulk(big)
    }

    test("malformed multibulk requests are protocol errors that close the connection") {
        val cases = mapOf(
            "*x\r\n" to "invalid multibulk length",
            "*2\r\n\$3\r\nGET\r\n:1\r\n" to "expected '\$', got ':'",
            "*1\r\n\$-2\r\n" to "invalid bulk length",
            "*1\r\n\$abc\r\n" to "invalid bulk length",
            "*1\r\n\$3\r\nGETxx" to "expected CRLF after bulk data",
            "*2\r\n" + "$" + "1".repeat(30) + "\r\n" to "invalid bulk length",
            "*99999999999\r\n" to "invalid multibulk length",
        )
        for ((request, error) in cases) {
            val client = Client()
            withClue(request) {
                client.raw(request + "PING\r\n") shouldBe "-ERR Protocol error: $error\r\n"
                client.session.isClosing shouldBe true
            }
        }
    }

    test("a bulk over the limit closes the connection before its bytes are read") {
        val client = Client(maxBulk = 1024)
        client.raw("*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$1025\r\n") shouldBe "-ERR Protocol error: invalid bulk length\r\n"
        client.session.isClosing shouldBe true
        Client(maxBulk = 1024).call("SET", "k", "v".repeat(1024)) shouldBe OK
    }

    test("an inline request or length line over 64 KiB is a protocol error") {
        Client().raw("PING " + "a".repeat(70_000)) shouldBe "-ERR Protocol error: too big inline request\r\n"
        Client().raw("*" + "1".repeat(70_000)) shouldBe "-ERR Protocol error: too big mbulk count string\r\n"
    }

    test("QUIT answers OK and closes") {
        val client = Client()
        client.raw("QUIT\r\nPING\r\n") shouldBe OK
        client.session.isClosing shouldBe true
    }

    test("SELECT 0 only") {
        val client = Client()
        client.call("SELECT", "0") shouldBe OK
        client.call("SELECT", "1") shouldBe "-ERR DB index is out of range\r\n"
    }

    test("COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND DOCS") {
        val client = Client()
        client.call("COMMAND", "COUNT") shouldBe int(Commands.ALL.size.toLong())
        client.call("COMMAND", "INFO", "get", "nosuch") shouldBe "*2\r\n*6\r\n" + bulk("get") + int(2) +
            "*2\r\n+readonly\r\n+fast\r\n" + int(1) + int(1) + int(1) + NIL
        client.call("COMMAND", "DOCS") shouldBe "*0\r\n"
        client.call("COMMAND") shouldStartWith "*${Commands.ALL.size}\r\n*6\r\n"
    }

    test("CONFIG GET answers what redis-benchmark asks; CONFIG SET is refused") {
        val client = Client()
        client.call("CONFIG", "GET", "save") shouldBe "*2\r\n" + bulk("save") + bulk("")
        client.call("CONFIG", "GET", "appendonly") shouldBe "*2\r\n" + bulk("appendonly") + bulk("no")
        client.call("CONFIG", "GET", "app*") shouldBe "*2\r\n" + bulk("appendonly") + bulk("no")
        client.call("CONFIG", "GET", "nothing") shouldBe "*0\r\n"
        client.call("CONFIG", "SET", "save", "") shouldStartWith "-ERR"
    }

    test("CLIENT SETNAME, GETNAME and ID") {
        val client = Client()
        client.call("CLIENT", "GETNAME") shouldBe NIL
        client.call("CLIENT", "SETNAME", "worker-1") shouldBe OK
        client.call("CLIENT", "GETNAME") shouldBe bulk("worker-1")
        client.call("CLIENT", "SETNAME", "has space") shouldStartWith "-ERR Client names cannot contain spaces"
        client.call("CLIENT", "ID") shouldBe int(client.session.clientId)
    }

    test("pipelined GETs allocate nothing") {
        val client = Client()
        client.call("SET", "key:000001", "x".repeat(64))
        val batch = Client.encode("GET", "key:000001").repeat(200).toByteArray()
        val threads = java.lang.management.ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
        fun round() {
            client.session.input().put(batch)
            while (client.session.process() != null) {
                // the replies count as written
            }
        }
        repeat(2_000) { round() }
        val before = threads.getThreadAllocatedBytes(Thread.currentThread().id)
        repeat(500) { round() }
        val allocated = threads.getThreadAllocatedBytes(Thread.currentThread().id) - before
        // 100,000 GETs: one byte per request would already be 100 KB.
        withClue("$allocated bytes") { (allocated < 32 * 1024) shouldBe true }
    }

    test("a large request grows the input, which shrinks back after it") {
        val client = Client()
        val big = "v".repeat(1_000_000)
        client.call("SET", "big", big) shouldBe OK
        (client.session.input().capacity() < 100_000) shouldBe true
        client.call("GET", "big") shouldBe bulk(big)
    }

    test("a request of many arguments arriving in pieces of any size parses to the same arguments") {
        // Each read goes on where the last one stopped (re-parsing from the start made such a
        // request cost quadratic time): the kept arguments must survive the buffer compacting and growing.
        val keys = (0 until 3000).map { "key:$it" }
        val mset = Client.encode("MSET", *keys.flatMap { listOf(it, "value of $it") }.toTypedArray())
        val mget = Client.encode("MGET", *keys.toTypedArray())
        val expected = "*${keys.size}\r\n" + keys.joinToString("") { bulk("value of $it") }
        for (piece in listOf(1, 2, 5, 13, 64, 4096, 100_000)) {
            val client = Client()
            withClue("pieces of $piece bytes") {
                client.rawInPieces("PING\r\n" + mset + Client.encode("PING"), piece) shouldBe "+PONG\r\n$OK+PONG\r\n"
                client.rawInPieces(mget, piece) shouldBe expected
            }
        }
    }

    test("a claimed bulk length allocates nothing before its bytes arrive") {
        // 30 bytes that claim 500 MiB once made the input buffer that large at once: a few such
        // connections took the heap. The input now grows with what arrives, at most doubling.
        val client = Client()
        client.raw("*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$524288000\r\n" + "v".repeat(100_000)) shouldBe ""
        withClue(client.session.input().capacity()) { (client.session.input().capacity() <= 256 * 1024) shouldBe true }
        // The rest still arrives and is stored whole.
        val value = "v".repeat(3_000_000)
        val small = Client()
        small.raw("*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$${value.length}\r\n") shouldBe ""
        (small.session.input().capacity() <= 64 * 1024) shouldBe true
        small.raw(value + "\r\n") shouldBe OK
        small.call("GET", "k") shouldBe bulk(value)
    }
})

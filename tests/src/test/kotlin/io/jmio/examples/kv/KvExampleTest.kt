package io.jmio.examples.kv

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.awaitCondition
import io.jmio.examples.connect
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.string.shouldStartWith
import java.net.InetSocketAddress
import kotlin.time.Duration.Companion.seconds

/** One redis-cli command against [server]; its output (piped, redis-cli prints raw replies, and an error with an extra line break). */
private fun redisCli(server: InetSocketAddress, vararg command: String): String {
    val result = runClient("redis-cli", "-h", server.address.hostAddress, "-p", server.port.toString(), *command, timeout = 30.seconds)
    withClue(result) { result.exitCode shouldBe 0 }
    return result.stdout.removeSuffix("\n")
}

class KvExampleTest : FunSpec({
    timeout = 600_000L
    blockingTest = true

    test("redis-cli drives every command") {
        withServer({ KvServer().start(LOOPBACK_ANY, 1) }) { server ->
            val at = server.localAddress()
            fun cli(vararg command: String) = redisCli(at, *command)
            cli("PING") shouldBe "PONG"
            cli("ECHO", "hello world") shouldBe "hello world"
            cli("SET", "greeting", "hi") shouldBe "OK"
            cli("GET", "greeting") shouldBe "hi"
            cli("GET", "missing") shouldBe ""
            cli("SET", "greeting", "again", "NX") shouldBe ""
            cli("SET", "fresh", "1", "XX") shouldBe ""
            cli("SET", "fresh", "1", "NX") shouldBe "OK"
            cli("SET", "greeting", "hello", "XX") shouldBe "OK"
            cli("SET", "short", "v", "EX", "100") shouldBe "OK"
            cli("TTL", "short") shouldBe "100"
            cli("SET", "shorter", "v", "PX", "100000") shouldBe "OK"
            (cli("TTL", "shorter").toInt() in 99..100) shouldBe true
            cli("EXISTS", "greeting", "short", "missing") shouldBe "2"
            cli("DEL", "short", "missing") shouldBe "1"
            cli("INCR", "counter") shouldBe "1"
            cli("INCRBY", "counter", "41") shouldBe "42"
            cli("DECR", "counter") shouldBe "41"
            cli("DECRBY", "counter", "40") shouldBe "1"
            cli("INCR", "greeting").trimEnd() shouldBe "ERR value is not an integer or out of range"
            cli("MSET", "a", "1", "b", "2") shouldBe "OK"
            cli("MGET", "a", "b", "missing") shouldBe "1\n2\n"
            cli("EXPIRE", "a", "50") shouldBe "1"
            cli("TTL", "a") shouldBe "50"
            cli("TTL", "b") shouldBe "-1"
            cli("TTL", "missing") shouldBe "-2"
            cli("DBSIZE") shouldBe "6"
            cli("FLUSHALL") shouldBe "OK"
            cli("DBSIZE") shouldBe "0"
            cli("NOSUCH", "x") shouldStartWith "ERR unknown command 'NOSUCH'"
            cli("GET").trimEnd() shouldBe "ERR wrong number of arguments for 'get' command"
            cli("COMMAND", "COUNT") shouldBe Commands.ALL.size.toString()
            cli("CONFIG", "GET", "appendonly") shouldBe "appendonly\nno"
            cli("CLIENT", "SETNAME", "tester") shouldBe "OK"
        }
    }

    test("keys expire by the loop's timer without being read") {
        withServer({ KvServer().start(LOOPBACK_ANY, 1) }) { server ->
            redisCli(server.localAddress(), "SET", "ephemeral", "v", "PX", "150") shouldBe "OK"
            redisCli(server.localAddress(), "SET", "lasting", "v") shouldBe "OK"
            // DBSIZE reads no key, so only the active expiry can bring it down.
            awaitCondition(10.seconds, { "the key did not expire" }) { redisCli(server.localAddress(), "DBSIZE") == "1" }
        }
    }

    for (pipeline in listOf(1, 16)) {
        test("redis-benchmark -P $pipeline finishes with no errors") {
            withServer({ KvServer().start(LOOPBACK_ANY, 2) }) { server ->
                val report = runClient(
                    "redis-benchmark", "-h", server.localAddress().address.hostAddress,
                    "-p", server.localAddress().port.toString(), "-c", "20", "-n", "20000", "-P", pipeline.toString(),
                    "-r", "1000", "-t", "ping,set,get,incr,mset", "-q",
                    timeout = 180.seconds,
                )
                withClue(report) {
                    report.exitCode shouldBe 0
                    report.stdout shouldNotContain "rror"
                    report.stderr shouldNotContain "rror"
                    report.stderr shouldNotContain "WARNING"
                    for (test in listOf("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)")) {
                        Regex("(?m)^ *${Regex.escape(test)}: [0-9.]+ requests per second").containsMatchIn(report.stdout) shouldBe true
                    }
                }
            }
        }
    }

    test("a malformed request closes that connection with an error, never the server") {
        withServer({ KvServer().start(LOOPBACK_ANY, 1) }) { server ->
            connect(server.localAddress()).use { socket ->
                socket.getOutputStream().write("*1\r\n\$x\r\n".toByteArray())
                socket.getInputStream().readAllBytes().decodeToString() shouldBe "-ERR Protocol error: invalid bulk length\r\n"
            }
            connect(server.localAddress()).use { socket ->
                socket.getOutputStream().write("*2\r\n\$3\r\nGET\r\n\$600000000\r\n".toByteArray())
                socket.getInputStream().readAllBytes().decodeToString() shouldContain "invalid bulk length"
            }
            redisCli(server.localAddress(), "PING") shouldBe "PONG"
        }
    }

    test("a bulk over a configured --max-bulk is refused; one under it is stored") {
        withServer({ KvServer(Store(), maxBulk = 100_000).start(LOOPBACK_ANY, 1) }) { server ->
            redisCli(server.localAddress(), "SET", "big", "x".repeat(100_000)) shouldBe "OK"
            redisCli(server.localAddress(), "GET", "big").length shouldBe 100_000
            connect(server.localAddress()).use { socket ->
                socket.getOutputStream().write("*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$100001\r\n".toByteArray())
                socket.getInputStream().readAllBytes().decodeToString() shouldBe "-ERR Protocol error: invalid bulk length\r\n"
            }
        }
    }
})

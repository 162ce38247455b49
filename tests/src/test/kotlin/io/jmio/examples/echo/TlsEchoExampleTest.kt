package io.jmio.examples.echo

import io.jmio.coroutines.tls.TestPki
import io.jmio.coroutines.tls.TlsContexts
import io.jmio.examples.ExampleProcess
import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.LineClient
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlin.random.Random

/** The test PKI's `localhost` certificate and key, read from their PEM files as `--cert`/`--key` are. */
private val pemContext by lazy { TlsContexts.fromPemFiles(TestPki.path("server.pem"), TestPki.path("server.key")) }

private fun startTlsEcho(threads: Int = 1) = EchoServers.start("coroutines", LOOPBACK_ANY, threads, pemContext)

/** `openssl s_client` to [port], verifying the chain against the test CA and the certificate's name against [verifyHost]. */
private fun sClient(port: Int, vararg extra: String, verifyHost: String = "localhost") = LineClient(
    "openssl", "s_client", "-connect", "127.0.0.1:$port", "-servername", "localhost",
    "-CAfile", TestPki.path("ca.pem").toString(), "-verify_hostname", verifyHost, "-verify_return_error", *extra,
)

/** s_client's verdict on the server's certificate (indented in its TLS 1.2 session block). */
private fun LineClient.verifyResult(): String = awaitLine { it.trim().startsWith("Verify return code:") }.trim()

class TlsEchoExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    // TlsOpensslTest drives serveTls with SNI, ALPN and client certificates; these drive the example.
    for ((flag, protocol) in listOf("-tls1_3" to "TLSv1.3", "-tls1_2" to "TLSv1.2")) {
        test("openssl s_client $flag with SNI and an ALPN offer the echo server ignores: verified, echoed, closed cleanly") {
            withServer({ startTlsEcho() }) { server ->
                sClient(server.localAddress().port, flag, "-alpn", "echo/1").use { client ->
                    client.verifyResult() shouldBe "Verify return code: 0 (ok)"
                    client.send("hello over $protocol")
                    client.awaitLine { it.startsWith("hello") } shouldBe "hello over $protocol"
                    client.closeInput() // s_client sends close_notify and ends; the server's close_notify answers
                    client.awaitExit() shouldBe 0
                }
            }
        }
    }

    test("openssl s_client refuses the certificate for a name it does not carry") {
        withServer({ startTlsEcho() }) { server ->
            sClient(server.localAddress().port, verifyHost = "other.test").use { client ->
                client.verifyResult() shouldBe "Verify return code: 62 (hostname mismatch)"
                (client.awaitExit() != 0) shouldBe true
            }
        }
    }

    test("socat over TLS gets back exactly what it sent, 4 MiB of it, then end of stream") {
        withServer({ startTlsEcho() }) { server ->
            val payload = Random(2).nextBytes(4 * 1024 * 1024)
            val tls = "OPENSSL:localhost:${server.localAddress().port},cafile=${TestPki.path("ca.pem")},verify=1"
            val result = runClient("socat", "-t", "30", "-", tls, stdin = payload)
            withClue(result.stderr) { result.exitCode shouldBe 0 }
            result.stdoutBytes.size shouldBe payload.size
            result.stdoutBytes.contentEquals(payload) shouldBe true
        }
    }

    test("echo --api coroutines --tls --cert F --key F --threads 1, the benchmarks' command line: s_client is echoed") {
        ExampleProcess(
            "echo", "--api", "coroutines", "--tls", "--cert", TestPki.path("server.pem").toString(),
            "--key", TestPki.path("server.key").toString(), "--threads", "1", "--port", "0",
        ).use { server ->
            val address = server.awaitListening()
            sClient(address.port).use { client ->
                client.send("hello example")
                client.awaitLine { it.startsWith("hello") } shouldBe "hello example"
            }
            server.signal("TERM")
            server.awaitExit() shouldBe 0
        }
    }
})

package io.jmio.examples.http

import io.jmio.coroutines.tls.TestPki
import io.jmio.coroutines.tls.TlsContexts
import io.jmio.examples.ExampleProcess
import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.runClient
import io.jmio.examples.withServer
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.net.InetSocketAddress

/** The test PKI's `localhost` certificate and key, read from their PEM files as `--cert`/`--key` are. */
private val pemContext by lazy { TlsContexts.fromPemFiles(TestPki.path("server.pem"), TestPki.path("server.key")) }

private fun startHttps() = CoroutineHttpServer().start(LOOPBACK_ANY, 1, pemContext)

private fun url(address: InetSocketAddress, path: String = "/") = "https://localhost:${address.port}$path"

private fun curl(vararg args: String) = runClient("curl", "-sS", "--max-time", "20", *args)

/** curl's options that pin one TLS version: at least it and at most it. */
private fun only(version: String) = arrayOf("--tlsv$version", "--tls-max", version)

class HttpsExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    for (version in listOf("1.3", "1.2")) {
        test("curl --cacert over TLS $version: Hello, World!, http/1.1 by ALPN, one connection kept alive") {
            withServer({ startHttps() }) { server ->
                val address = server.localAddress()
                val reply = curl("-v", "--cacert", TestPki.path("ca.pem").toString(), *only(version),
                    url(address), url(address), url(address, "/x"))
                withClue(reply) {
                    reply.exitCode shouldBe 0
                    reply.stdout shouldBe "Hello, World!Hello, World!Not Found\n"
                    reply.stderr shouldContain "SSL connection using TLSv$version"
                    reply.stderr shouldContain "ALPN: server accepted http/1.1"
                    Regex("Re-using existing connection").findAll(reply.stderr).count() shouldBe 2
                }
            }
        }
    }

    test("curl without the CA refuses the certificate; with a CA that did not sign it too") {
        withServer({ startHttps() }) { server ->
            curl(url(server.localAddress())).exitCode shouldBe 60 // SSL certificate problem
            val stranger = kotlin.io.path.createTempFile("jmio-stranger", ".pem")
            try {
                // A CA of its own, that signed nothing the server has.
                runClient("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", "/dev/null", "-out", stranger.toString(), "-days", "1", "-subj", "/CN=stranger").exitCode shouldBe 0
                curl("--cacert", stranger.toString(), url(server.localAddress())).exitCode shouldBe 60
            } finally {
                java.nio.file.Files.delete(stranger)
            }
        }
    }

    test("wrk over https: every request answered, no socket error, and nothing left open after") {
        withServer({ startHttps() }) { server ->
            val result = runClient("wrk", "-t", "1", "-c", "8", "-d", "2s", "https://127.0.0.1:${server.localAddress().port}/")
            withClue(result) {
                result.exitCode shouldBe 0
                val requests = Regex("(\\d+) requests in").find(result.stdout)!!.groupValues[1].toLong()
                (requests > 100) shouldBe true
                result.stdout.contains("Non-2xx") shouldBe false
                result.stdout.contains("Socket errors") shouldBe false
            }
        }
    }

    test("http --api coroutines --tls --cert F --key F --threads 1, the benchmarks' command line: curl --cacert") {
        ExampleProcess(
            "http", "--api", "coroutines", "--tls", "--cert", TestPki.path("server.pem").toString(),
            "--key", TestPki.path("server.key").toString(), "--threads", "1", "--port", "0",
        ).use { server ->
            val address = server.awaitListening()
            val reply = curl("--cacert", TestPki.path("ca.pem").toString(), url(address))
            withClue(reply) { reply.stdout shouldBe "Hello, World!" }
            server.signal("TERM")
            server.awaitExit() shouldBe 0
            server.stderr.contains("SELF-SIGNED") shouldBe false
        }
    }

    test("http --tls alone: a self-signed certificate, said so on stderr with the fingerprint it has; curl -k over TLS 1.2 and 1.3") {
        ExampleProcess("http", "--tls", "--port", "0").use { server ->
            val address = server.awaitListening()
            server.stderr shouldContain "WARNING: --tls without --cert/--key: serving a SELF-SIGNED certificate"
            curl("https://127.0.0.1:${address.port}/").exitCode shouldBe 60
            for (version in listOf("1.2", "1.3")) {
                val reply = curl("-k", "-v", *only(version), "https://127.0.0.1:${address.port}/")
                withClue(reply) {
                    reply.stdout shouldBe "Hello, World!"
                    reply.stderr shouldContain "SSL connection using TLSv$version"
                }
            }
            // The fingerprint announced is the certificate's that a client gets.
            val seen = runClient("sh", "-c", "openssl s_client -connect 127.0.0.1:${address.port} </dev/null 2>/dev/null" +
                " | openssl x509 -noout -fingerprint -sha256")
            val fingerprint = seen.stdout.trim().substringAfter("=")
            withClue(seen) { fingerprint.length shouldBe 95 }
            server.stderr shouldContain "SHA-256 $fingerprint"
            server.signal("TERM")
            server.awaitExit() shouldBe 0
        }
    }
})

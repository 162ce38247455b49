package io.jmio.examples

import io.jmio.examples.server.Serve
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldEndWith
import io.kotest.matchers.string.shouldStartWith
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.PrintStream
import kotlin.time.Duration.Companion.seconds

/** Runs the CLI in this JVM for command lines that stop before starting anything. */
private fun cli(vararg args: String): CommandResult {
    val out = ByteArrayOutputStream()
    val err = ByteArrayOutputStream()
    val status = PrintStream(out, true, "UTF-8").use { o ->
        PrintStream(err, true, "UTF-8").use { e -> Main.run(arrayOf(*args), o, e) }
    }
    return CommandResult(status, out.toString("UTF-8"), err.toString("UTF-8"))
}

class CliTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    test("--help lists every example and exits 0") {
        val result = cli("--help")
        result.exitCode shouldBe 0
        for (example in listOf("demo", "echo", "chat", "proxy", "http", "kv", "udp-echo")) {
            result.stdout shouldContain "\n  $example "
        }
    }

    test("an example's --help lists its options with their defaults") {
        val result = cli("http", "--help")
        result.exitCode shouldBe 0
        result.stdout shouldContain "--api coroutines|core"
        result.stdout shouldContain "--port N"
        result.stdout shouldContain "(default 8080)"
        cli("--help", "proxy").stdout shouldContain "--upstream HOST:PORT"
        result.stdout shouldContain "\n  --tls  "
        result.stdout shouldContain "\n  --cert FILE  "
    }

    test("--tls with another API than coroutines says which API serves TLS") {
        for (args in listOf(arrayOf("http", "--api", "core", "--tls"), arrayOf("echo", "--tls", "--api", "loop"))) {
            cli(*args).stderr shouldStartWith "jmio-examples: --tls is served by --api coroutines only"
        }
    }

    test("--tls takes no value: the next word is the next option's or the example's name") {
        // Were --tls to take a value, "http" would be it and no example would be named.
        val result = cli("--tls", "http", "--cert", "/nonexistent/cert.pem", "--key", "/nonexistent/key.pem")
        withClue(result) {
            result.exitCode shouldBe 1
            result.stderr shouldContain "NoSuchFileException: /nonexistent/cert.pem"
        }
    }

    test("bad command lines print the usage to stderr and exit 2") {
        val bad = listOf(
            arrayOf(),
            arrayOf("nosuch"),
            arrayOf("http", "--bogus", "1"),
            arrayOf("http", "--port"),
            arrayOf("http", "--port", "http"),
            arrayOf("http", "--port", "70000"),
            arrayOf("http", "--port", "1", "--port", "2"),
            arrayOf("http", "--api", "nio"),
            arrayOf("http", "--threads", "0"),
            arrayOf("http", "extra"),
            arrayOf("http", "-p", "80"),
            arrayOf("proxy"),
            arrayOf("proxy", "--upstream", "nohostport"),
            arrayOf("proxy", "--upstream", "127.0.0.1:0"),
            arrayOf("proxy", "--upstream", "::1:80"),
            arrayOf("kv", "--max-bulk", "0"),
            arrayOf("http", "--api", "core", "--tls"),
            arrayOf("echo", "--tls", "--api", "loop"),
            arrayOf("echo", "--api", "core", "--tls", "--cert", "c.pem", "--key", "k.pem"),
            arrayOf("http", "--tls", "--cert", "c.pem"),
            arrayOf("echo", "--tls", "--key", "k.pem"),
            arrayOf("http", "--cert", "c.pem", "--key", "k.pem"),
            arrayOf("echo", "--tls=yes"),
            arrayOf("http", "--tls", "--cert="),
            arrayOf("kv", "--tls"),
        )
        for (args in bad) {
            val result = cli(*args)
            withClue(args.joinToString(" ")) {
                result.exitCode shouldBe 2
                result.stderr shouldStartWith "jmio-examples: "
                result.stderr shouldContain "usage: java -jar jmio-examples.jar"
                result.stdout shouldBe ""
            }
        }
    }

    test("addresses print as clients write them: IPv6 short and in brackets") {
        val at = { host: String -> Serve.format(java.net.InetSocketAddress(java.net.InetAddress.getByName(host), 7000)) }
        at("127.0.0.1") shouldBe "127.0.0.1:7000"
        at("::1") shouldBe "[::1]:7000"
        at("::") shouldBe "[::]:7000"
        at("fe80::1:0:0:2") shouldBe "[fe80::1:0:0:2]:7000"
        at("2001:db8:0:0:1:0:0:1") shouldBe "[2001:db8::1:0:0:1]:7000"
        at("2001:db8:1:2:3:4:5:6") shouldBe "[2001:db8:1:2:3:4:5:6]:7000"
    }

    test("a server that cannot bind reports why and exits 1") {
        java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1")).use { taken ->
            val result = cli("http", "--port", taken.localPort.toString())
            result.exitCode shouldBe 1
            result.stderr shouldContain "EADDRINUSE"
        }
    }

    test("options come in any order, before or after the example's name") {
        ExampleProcess("--threads", "2", "http", "--port=0", "--api", "core").use { server ->
            val address = server.awaitListening()
            val reply = runClient("curl", "-s", "--max-time", "20", "http://${address.hostPort}/")
            reply.stdout shouldBe "Hello, World!"
            server.signal("TERM")
            server.awaitExit() shouldBe 0
        }
    }

    for (signal in listOf("INT", "TERM")) {
        test("SIG$signal stops a server cleanly: exit 0, no error output") {
            ExampleProcess("kv", "--port", "0").use { server ->
                val address = server.awaitListening()
                // An open connection must not hold the shutdown up.
                connect(address).use { client ->
                    client.getOutputStream().write("PING\r\n".toByteArray())
                    client.getInputStream().readNBytes(7).decodeToString() shouldBe "+PONG\r\n"
                    server.signal(signal)
                    server.awaitExit() shouldBe 0
                    client.getInputStream().read() shouldBe -1
                }
                server.stderr.lines().filter { it.isNotBlank() && !it.startsWith("WARNING") } shouldBe
                    listOf("listening on ${address.hostPort}")
            }
        }
    }

    test("the demo runs with no arguments but its duration and prints the table") {
        ExampleProcess("demo", "--seconds", "2", "--connections", "4").use { demo ->
            demo.awaitExit(120.seconds) shouldBe 0
            val table = demo.stdout()
            table shouldContain "connections | round trips/s | p50 latency | p99 latency"
            val row = table.lines().last { it.isNotBlank() }.split('|').map { it.trim() }
            row[0] shouldBe "4"
            (row[1].replace(",", "").toLong() > 0) shouldBe true
            row[3] shouldEndWith " ms"
        }
    }

    val jar = File("../examples/target/jmio-examples.jar")
    test("the shaded jar runs the CLI: java -jar jmio-examples.jar").config(enabled = jar.isFile) {
        ExampleProcess("http", "--port", "0", jar = jar).use { server ->
            val address = server.awaitListening()
            runClient("curl", "-s", "--max-time", "20", "http://${address.hostPort}/").stdout shouldBe "Hello, World!"
            server.signal("TERM")
            server.awaitExit() shouldBe 0
        }
    }
})

package io.jmio.coroutines.tls

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import java.io.File
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import javax.net.ssl.SSLContext
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope

/**
 * A throw-away PKI made by `openssl` in a temp dir: a CA, a server certificate for `localhost`
 * and 127.0.0.1 (EC P-256, PKCS#8 keys as `openssl req -nodes` writes them), a client
 * certificate, and a second server certificate for `other.test`, all signed by the CA (and, on first use, an
 * [expired] one). Made once per test JVM; the dir is deleted at exit.
 */
internal object TestPki {
    private val ec = arrayOf("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")

    val dir: Path = Files.createTempDirectory("jmio-tls").also { dir ->
        Runtime.getRuntime().addShutdownHook(Thread { dir.toFile().deleteRecursively() })
        openssl(dir, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=jmio test CA")
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n")
        Files.writeString(dir.resolve("other.ext"), "subjectAltName=DNS:other.test\n")
        for (name in listOf("server", "client", "other")) {
            openssl(dir, "req", *ec, "-keyout", "$name.key", "-out", "$name.csr", "-subj", "/CN=jmio test $name")
            openssl(
                dir, "x509", "-req", "-in", "$name.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "$name.ext", "-out", "$name.pem",
            )
        }
    }

    fun path(name: String): Path = dir.resolve(name)

    /** The server's key and chain; trusts the CA, for client certificates. */
    val server: SSLContext by lazy {
        TlsContexts.fromPemFiles(path("server.pem"), path("server.key"), path("ca.pem"))
    }

    /** The `other.test` server's key and chain. */
    val other: SSLContext by lazy { TlsContexts.fromPemFiles(path("other.pem"), path("other.key")) }

    /**
     * A `localhost` server certificate from the CA that expired a day ago, with its key; made on
     * first use. (OpenSSL 3.0's x509 has no -not_after: -days -1 ends the validity a day before it
     * starts.)
     */
    val expired: SSLContext by lazy {
        openssl(dir, "req", *ec, "-keyout", "expired.key", "-out", "expired.csr", "-subj", "/CN=jmio test expired")
        openssl(
            dir, "x509", "-req", "-in", "expired.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "-1", "-extfile", "server.ext", "-out", "expired.pem",
        )
        TlsContexts.fromPemFiles(path("expired.pem"), path("expired.key"))
    }

    /** Trusts the CA only (not the JDK's store). */
    val client: SSLContext by lazy { TlsContexts.fromPemFiles(trustedCertificates = path("ca.pem")) }

    /** Trusts the CA and presents the client certificate. */
    val clientWithCertificate: SSLContext by lazy {
        TlsContexts.fromPemFiles(path("client.pem"), path("client.key"), path("ca.pem"))
    }

    private fun openssl(dir: Path, vararg args: String) {
        val process = ProcessBuilder("openssl", *args).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(File(dir.toFile(), "openssl.log")).start()
        check(process.waitFor(30, TimeUnit.SECONDS)) { "openssl ${args.first()} did not finish" }
        check(process.exitValue() == 0) { "openssl ${args.joinToString(" ")} failed: ${File(dir.toFile(), "openssl.log").readText()}" }
    }
}

internal val LOOPBACK = InetSocketAddress("127.0.0.1", 0)

/** Only TLS 1.3 (or 1.2), as a client or server config. */
internal fun only(protocol: String, base: TlsConfig = TlsConfig()): TlsConfig = TlsConfig(
    applicationProtocols = base.applicationProtocols,
    clientAuth = base.clientAuth,
    handshakeTimeout = base.handshakeTimeout,
    hostnameVerification = base.hostnameVerification,
    protocols = listOf(protocol),
)

/**
 * A TLS pair over loopback TCP on the current loop: (client, server side), both closed after
 * [block]. The two handshakes run concurrently, as they must.
 */
internal suspend fun <T> withTlsPair(
    clientConfig: TlsConfig = TlsConfig(),
    serverConfig: TlsConfig = TlsConfig(),
    clientContext: SSLContext = TestPki.client,
    host: String = "localhost",
    block: suspend (client: TlsStream, server: TlsStream) -> T,
): T = TcpListener.bind(LOOPBACK).use { listener ->
    coroutineScope {
        val server = async { TlsStream.server(listener.accept(), TestPki.server, serverConfig) }
        val client = try {
            TlsStream.client(TcpStream.connect(listener.localAddress), host, clientContext, clientConfig)
        } catch (e: Throwable) {
            server.cancel()
            throw e
        }
        client.use { server.await().use { s -> block(client, s) } }
    }
}

/** A deterministic byte pattern of [size] bytes, so a test can check every byte. */
internal fun bytes(seed: Int, size: Int): ByteBuffer {
    val buf = ByteBuffer.allocate(size)
    for (i in 0 until size) buf.put(((seed * 31 + i * 7 + i / 251) and 0xff).toByte())
    return buf.flip()
}

internal fun ByteBuffer.utf8(): String = Charsets.UTF_8.decode(duplicate()).toString()

internal fun ascii(text: String): ByteBuffer = ByteBuffer.wrap(text.toByteArray())

/** An `openssl` child process in the test PKI's dir, whose stdout lines arrive in [lines]; killed by [close]. */
internal class OpensslProcess(vararg args: String) : AutoCloseable {
    private val log = File.createTempFile("jmio-openssl", ".log")
    val process: Process = ProcessBuilder("openssl", *args).directory(TestPki.dir.toFile())
        .redirectError(log).start()
    private val lines = LinkedBlockingQueue<String>()

    init {
        Thread {
            runCatching { process.inputStream.bufferedReader().forEachLine { lines.add(it) } }
        }.apply { isDaemon = true }.start()
    }

    /** The next stdout line that [matches], waiting at most 10 s for it. */
    fun awaitLine(matches: (String) -> Boolean): String {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (true) {
            val left = deadline - System.nanoTime()
            val line = lines.poll(maxOf(left, 0), TimeUnit.NANOSECONDS)
                ?: error("openssl ${process.info().arguments().orElse(emptyArray()).firstOrNull()} printed no such line; stderr: ${log.readText()}")
            if (matches(line)) return line
        }
    }

    /** What it printed to stderr so far: s_client's handshake progress and errors. */
    fun stderr(): String = log.readText()

    /** Waits at most 10 s for [text] on stderr, polling every 20 ms. */
    fun awaitStderr(text: String) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        while (text !in stderr()) {
            check(System.nanoTime() < deadline) { "openssl printed no '$text' on stderr: ${stderr()}" }
            Thread.sleep(20)
        }
    }

    fun send(text: String) {
        process.outputStream.write(text.toByteArray())
        process.outputStream.flush()
    }

    override fun close() {
        process.destroyForcibly()
        process.waitFor(5, TimeUnit.SECONDS)
        listOf(process.outputStream, process.inputStream, process.errorStream).forEach { runCatching { it.close() } }
        log.delete()
    }
}

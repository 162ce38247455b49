package io.jmio.examples.server

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyStore
import java.security.MessageDigest
import java.security.SecureRandom
import java.security.cert.X509Certificate
import java.util.Base64
import java.util.concurrent.TimeUnit
import javax.net.ssl.KeyManagerFactory
import javax.net.ssl.SSLContext

/**
 * A self-signed certificate for `localhost`, 127.0.0.1 and ::1, made at start-up for a local
 * trial of a TLS server (`http --tls` without `--cert`/`--key`): no client can verify it, so
 * `curl` needs `-k`. Made by the JDK's own `keytool` (the JDK has no public API that signs a
 * certificate, and this adds no dependency), into a PKCS#12 file in a private temp dir that is
 * deleted once loaded.
 *
 * ```kotlin
 * val selfSigned = SelfSignedCertificate.generate()
 * CoroutineHttpServer().start(address, threads = 1, tls = selfSigned.context)
 * println(selfSigned.fingerprint)
 * ```
 */
class SelfSignedCertificate private constructor(
    /** A server context presenting the certificate. */
    val context: SSLContext,
    val certificate: X509Certificate,
) {
    /** The certificate's SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
    val fingerprint: String
        get() = MessageDigest.getInstance("SHA-256").digest(certificate.encoded).joinToString(":") { "%02X".format(it) }

    companion object {
        /** How long keytool may take: it starts a JVM of its own. */
        private const val KEYTOOL_TIMEOUT_SECONDS = 60L

        /**
         * Generates an EC P-256 key and a certificate valid for [validityDays] days from now.
         *
         * @throws IllegalStateException if this JVM has no `keytool` (a bare JRE), or it fails
         */
        @JvmStatic
        @JvmOverloads
        fun generate(validityDays: Int = 30): SelfSignedCertificate {
            val keytool = File(System.getProperty("java.home"), "bin/keytool")
            check(keytool.canExecute()) { "no keytool at $keytool to make a self-signed certificate; pass --cert FILE --key FILE" }
            // The password only guards a file that lives for a second; it goes through the
            // environment, not the command line, which other users can read in /proc.
            val password = Base64.getEncoder().encodeToString(ByteArray(18).also { SecureRandom().nextBytes(it) })
            val dir = Files.createTempDirectory("jmio-self-signed") // owner-only on POSIX
            try {
                val store = dir.resolve("server.p12")
                runKeytool(keytool, store, password, validityDays, dir)
                val keyStore = KeyStore.getInstance("PKCS12")
                Files.newInputStream(store).use { keyStore.load(it, password.toCharArray()) }
                val keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm())
                    .apply { init(keyStore, password.toCharArray()) }.keyManagers
                val context = SSLContext.getInstance("TLS").apply { init(keyManagers, null, null) }
                return SelfSignedCertificate(context, keyStore.getCertificate(ALIAS) as X509Certificate)
            } finally {
                dir.toFile().deleteRecursively()
            }
        }

        private const val ALIAS = "jmio"

        private fun runKeytool(keytool: File, store: Path, password: String, validityDays: Int, dir: Path) {
            val log = dir.resolve("keytool.log").toFile()
            val builder = ProcessBuilder(
                keytool.path, "-genkeypair", "-noprompt", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:::1",
                "-validity", validityDays.toString(),
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass:env", PASSWORD_VARIABLE, "-keypass:env", PASSWORD_VARIABLE,
            ).redirectErrorStream(true).redirectOutput(log)
            builder.environment()[PASSWORD_VARIABLE] = password
            val process = builder.start()
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
                error("keytool did not finish within $KEYTOOL_TIMEOUT_SECONDS s")
            }
            check(process.exitValue() == 0) { "keytool failed (exit ${process.exitValue()}): ${log.readText().trim()}" }
        }

        private const val PASSWORD_VARIABLE = "JMIO_KEYSTORE_PASSWORD"
    }
}

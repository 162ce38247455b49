package io.jmio.coroutines.tls

import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyFactory
import java.security.KeyStore
import java.security.PrivateKey
import java.security.cert.CertificateFactory
import java.security.cert.X509Certificate
import java.security.spec.InvalidKeySpecException
import java.security.spec.PKCS8EncodedKeySpec
import java.util.Base64
import javax.net.ssl.KeyManagerFactory
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory

/**
 * `SSLContext`s from PEM files, as `openssl` writes them: a certificate chain, a PKCS#8 private
 * key (`BEGIN PRIVATE KEY`, as `openssl req -nodes` and `openssl genpkey` write; RSA, EC or
 * EdDSA) and trusted certificates.
 *
 * ```kotlin
 * val server = TlsContexts.fromPemFiles(certificateChain = Path.of("cert.pem"), privateKey = Path.of("key.pem"))
 * val client = TlsContexts.fromPemFiles(trustedCertificates = Path.of("ca.pem"))
 * ```
 */
public object TlsContexts {
    /**
     * A context that presents [certificateChain] (the own certificate first) with [privateKey],
     * if given, and trusts [trustedCertificates], or the JDK's default trust store if null.
     *
     * @throws java.security.GeneralSecurityException for a key or certificate that does not parse
     * @throws IllegalArgumentException for a PEM text without the block expected
     */
    public fun fromPem(
        certificateChain: String? = null,
        privateKey: String? = null,
        trustedCertificates: String? = null,
        protocol: String = "TLS",
    ): SSLContext {
        require((certificateChain == null) == (privateKey == null)) { "a certificate chain needs its private key, and the other way round" }
        val keyManagers = if (certificateChain != null && privateKey != null) {
            val store = KeyStore.getInstance("PKCS12").apply { load(null, null) }
            store.setKeyEntry("key", parseKey(privateKey), PASSWORD, parseCertificates(certificateChain).toTypedArray())
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm()).apply { init(store, PASSWORD) }.keyManagers
        } else {
            null
        }
        val trustManagers = trustedCertificates?.let { pem ->
            val store = KeyStore.getInstance("PKCS12").apply { load(null, null) }
            parseCertificates(pem).forEachIndexed { i, cert -> store.setCertificateEntry("ca$i", cert) }
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(store) }.trustManagers
        }
        return SSLContext.getInstance(protocol).apply { init(keyManagers, trustManagers, null) }
    }

    /** [fromPem] with the PEM texts read from files. */
    public fun fromPemFiles(
        certificateChain: Path? = null,
        privateKey: Path? = null,
        trustedCertificates: Path? = null,
        protocol: String = "TLS",
    ): SSLContext = fromPem(
        certificateChain?.let(Files::readString),
        privateKey?.let(Files::readString),
        trustedCertificates?.let(Files::readString),
        protocol,
    )

    private val PASSWORD = CharArray(0)

    private fun parseCertificates(pem: String): List<X509Certificate> {
        val certificates = CertificateFactory.getInstance("X.509")
            .generateCertificates(pem.byteInputStream()).map { it as X509Certificate }
        require(certificates.isNotEmpty()) { "no BEGIN CERTIFICATE block in the PEM text" }
        return certificates
    }

    private fun parseKey(pem: String): PrivateKey {
        val body = Regex("-----BEGIN PRIVATE KEY-----([^-]+)-----END PRIVATE KEY-----").find(pem)?.groupValues?.get(1)
            ?: throw IllegalArgumentException("no BEGIN PRIVATE KEY (PKCS#8) block in the PEM text; convert with `openssl pkcs8 -topk8 -nocrypt`")
        val spec = PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(body))
        var failure: InvalidKeySpecException? = null
        for (algorithm in listOf("RSA", "EC", "EdDSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec)
            } catch (e: InvalidKeySpecException) {
                failure = e
            }
        }
        throw InvalidKeySpecException("the PKCS#8 key is neither RSA, EC nor EdDSA", failure)
    }
}

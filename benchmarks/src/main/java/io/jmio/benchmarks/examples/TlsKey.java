package io.jmio.benchmarks.examples;

import io.jmio.benchmarks.harness.Shell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The one key and self-signed certificate every TLS server of a run serves with, made by openssl for
 * that run, and the JVM options that give every server the same protocol and cipher suite.
 *
 * @param cert the certificate (PEM), for {@code localhost} and 127.0.0.1
 * @param key  its private key (PEM, PKCS#8, unencrypted, as {@code openssl req -nodes} writes it)
 */
record TlsKey(Path cert, Path key) {
    static final String PROTOCOL = "TLSv1.3";
    static final String CIPHER_SUITE = "TLS_AES_128_GCM_SHA256";
    static final String KEY_TYPE = "ECDSA P-256";

    /**
     * The JDK's defaults for every server-side SSLEngine: jmio takes the context's defaults, and the
     * Netty servers pass these two properties to their SslContextBuilder (see NettyTls).
     */
    static final List<String> JVM_OPTIONS = List.of("-Djdk.tls.server.protocols=" + PROTOCOL,
            "-Djdk.tls.server.cipherSuites=" + CIPHER_SUITE);

    /** A fresh key pair and certificate in {@code dir}, valid for two days. */
    static TlsKey generate(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TlsKey tls = new TlsKey(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        Shell.run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", tls.key.toString(), "-out", tls.cert.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
        return tls;
    }

    /** What a server of the comparison (a jmio example or a Netty server) takes to serve TLS with this key. */
    String[] serverArgs() {
        return new String[] {"--tls", "--cert", cert.toString(), "--key", key.toString()};
    }
}

package io.jmio.examples.cli;

import io.jmio.coroutines.tls.TlsContexts;
import io.jmio.examples.server.SelfSignedCertificate;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * {@code --tls [--cert FILE --key FILE]}: the options of the servers that can serve TLS, and the
 * {@code SSLContext} they make. Without {@code --cert} and {@code --key}, a self-signed certificate
 * made at start-up, announced on stderr. Only the coroutine servers speak TLS.
 */
public final class TlsOptions {
    private TlsOptions() {}

    /** {@code --tls}, {@code --cert}, {@code --key}. */
    public static List<Option> options() {
        return List.of(
                Option.flag("tls", "serve TLS; without --cert/--key with a self-signed certificate made at start-up"),
                Option.optionalFile("cert", "with --tls: the certificate chain, PEM, the server's own first"),
                Option.optionalFile("key", "with --tls: its private key, PKCS#8 PEM (as openssl req -nodes writes it)"));
    }

    /**
     * The server's context if {@code --tls} was given, else null.
     *
     * @param api the {@code --api} chosen: TLS needs {@code coroutines}
     * @param err where the self-signed certificate is announced
     * @throws UsageException for {@code --tls} with another API, {@code --cert} without {@code --key}
     *     (or the other way round), or either without {@code --tls}
     * @throws Exception for a file that cannot be read, or a key or certificate that does not parse
     */
    public static SSLContext context(Options options, String api, PrintStream err) throws Exception {
        boolean tls = options.flag("tls");
        Path cert = options.path("cert");
        Path key = options.path("key");
        if (!tls) {
            if (cert != null || key != null) {
                throw new UsageException("--cert and --key are for --tls");
            }
            return null;
        }
        if (!api.equals("coroutines")) {
            throw new UsageException("--tls is served by --api coroutines only, not --api " + api);
        }
        if ((cert == null) != (key == null)) {
            throw new UsageException("--tls needs both --cert FILE and --key FILE, or neither (a self-signed certificate)");
        }
        if (cert != null) {
            return TlsContexts.INSTANCE.fromPemFiles(cert, key, null, "TLS");
        }
        SelfSignedCertificate selfSigned = SelfSignedCertificate.generate();
        err.println("WARNING: --tls without --cert/--key: serving a SELF-SIGNED certificate made just now");
        err.println("WARNING: for localhost, 127.0.0.1 and ::1, SHA-256 " + selfSigned.getFingerprint());
        err.println("WARNING: no client can verify it (curl needs -k): for a local trial only; pass --cert FILE --key FILE");
        return selfSigned.getContext();
    }
}

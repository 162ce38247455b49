package io.jmio.benchmarks.tls;

import io.jmio.benchmarks.echo.EchoServerArgs;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The TLS side of the Netty servers of the comparisons: {@code --tls --cert CHAIN.pem --key KEY.pem}
 * puts an {@link io.netty.handler.ssl.SslHandler} first in each child pipeline, on the JDK's own
 * SSLEngine ({@link SslProvider#JDK}), as jmio's TLS uses it.
 *
 * <p>Netty enables its own list of cipher suites unless told otherwise, so the JDK's
 * {@code jdk.tls.server.protocols} and {@code jdk.tls.server.cipherSuites} properties, which set the
 * defaults of every other server-side SSLEngine (jmio's among them), are passed to it explicitly: one
 * pair of JVM options gives both servers the same protocol and cipher suite.
 */
public final class NettyTls {
    private NettyTls() {}

    /** The context {@code --tls} asks for, or null without {@code --tls}. */
    public static SslContext fromArgs(String[] args) throws SSLException {
        if (!List.of(args).contains("--tls")) return null;
        String cert = EchoServerArgs.stringOption(args, "--cert");
        String key = EchoServerArgs.stringOption(args, "--key");
        if (cert == null || key == null) throw new IllegalArgumentException("--tls needs --cert FILE and --key FILE");
        SslContextBuilder builder = SslContextBuilder.forServer(new File(cert), new File(key)).sslProvider(SslProvider.JDK);
        String protocols = System.getProperty("jdk.tls.server.protocols");
        if (protocols != null) builder.protocols(protocols.split(","));
        String ciphers = System.getProperty("jdk.tls.server.cipherSuites");
        if (ciphers != null) builder.ciphers(List.of(ciphers.split(",")));
        return builder.build();
    }

    /** Adds the handler first in {@code pipeline} when {@code context} is not null. */
    public static void addFirst(SslContext context, ChannelPipeline pipeline) {
        if (context != null) pipeline.addFirst("tls", context.newHandler(pipeline.channel().alloc()));
    }
}

package io.jmio.benchmarks.http;

import io.jmio.benchmarks.echo.EchoServerArgs;
import io.jmio.benchmarks.tls.NettyTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Netty side of the HTTP comparison: the same hello server as jmio's {@code http} example,
 * written the way Netty's own fast hello servers are (TechEmpower style): native epoll, pooled
 * direct buffers, the request decoder and response encoder without an aggregator, a shared
 * read-only body, a Date header formatted once a second, void promises, and one flush per read
 * batch so pipelined responses go out together.
 *
 * <p>{@code --port N} (0: any free port), {@code --threads N} (event loops, default 1) and
 * {@code --body-bytes N} (GET /'s body is N bytes of 'x' instead of "Hello, World!"); prints
 * {@code listening on HOST:PORT} to stderr like every server of the comparisons. With {@code --tls
 * --cert CHAIN.pem --key KEY.pem} it serves HTTPS through Netty's {@code SslHandler} on the JDK's
 * SSLEngine (see {@link NettyTls}).
 */
public final class NettyHttpHello {
    /** GET /'s body: "Hello, World!", or {@code --body-bytes N} bytes of 'x' (the proxy's bulk test). */
    private static ByteBuf body;
    private static AsciiString bodyLength;
    private static final ByteBuf NOT_FOUND = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes("Not Found\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).asReadOnly());
    private static final ByteBuf BAD_REQUEST = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer().writeBytes("Bad Request\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).asReadOnly());
    private static final AsciiString SERVER = AsciiString.cached("netty");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
    private static final AsciiString NOT_FOUND_LENGTH = AsciiString.cached(Integer.toString(NOT_FOUND.readableBytes()));
    private static final AsciiString BAD_REQUEST_LENGTH = AsciiString.cached(Integer.toString(BAD_REQUEST.readableBytes()));
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private NettyHttpHello() {}

    public static void main(String[] args) throws Exception {
        int port = EchoServerArgs.port(args);
        SslContext tls = NettyTls.fromArgs(args);
        int threads = threads(args);
        long bodyBytes = EchoServerArgs.longOption(args, "--body-bytes", -1);
        byte[] bytes = bodyBytes < 0 ? "Hello, World!".getBytes(java.nio.charset.StandardCharsets.US_ASCII)
                : new byte[Math.toIntExact(bodyBytes)];
        if (bodyBytes >= 0) java.util.Arrays.fill(bytes, (byte) 'x');
        body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes).asReadOnly());
        bodyLength = AsciiString.cached(Integer.toString(bytes.length));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            channel.pipeline()
                                    .addLast(new HttpResponseEncoder())
                                    .addLast(new HttpRequestDecoder(4096, 8192, 8192, false))
                                    .addLast(new Hello());
                            NettyTls.addFirst(tls, channel.pipeline());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), port)
                    .sync()
                    .channel();
            EchoServerArgs.announce(server.localAddress());
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    private static int threads(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--threads")) {
                int threads = Integer.parseInt(args[i + 1]);
                if (threads < 1) {
                    throw new IllegalArgumentException("--threads must be at least 1: " + threads);
                }
                return threads;
            }
        }
        return 1;
    }

    /** The Date header's value, formatted once per second (jmio's server does the same). */
    private static final class Date {
        private static volatile long second = -1;
        private static volatile AsciiString value;

        static AsciiString now() {
            long now = System.currentTimeMillis() / 1000;
            if (now != second) {
                value = new AsciiString(IMF_FIXDATE.format(Instant.ofEpochSecond(now)));
                second = now;
            }
            return value;
        }
    }

    private static final class Hello extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    HttpRequest request = (HttpRequest) msg;
                    if (request.decoderResult().isFailure()) {
                        ctx.writeAndFlush(response(HttpResponseStatus.BAD_REQUEST, BAD_REQUEST, BAD_REQUEST_LENGTH))
                                .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                        return;
                    }
                    String uri = request.uri();
                    boolean root = uri.equals("/") || uri.startsWith("/?");
                    FullHttpResponse response = root && request.method().equals(HttpMethod.GET)
                            ? response(HttpResponseStatus.OK, body, bodyLength)
                            : response(HttpResponseStatus.NOT_FOUND, NOT_FOUND, NOT_FOUND_LENGTH);
                    if (HttpUtil.isKeepAlive(request)) {
                        ctx.write(response, ctx.voidPromise());
                    } else {
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        ctx.writeAndFlush(response).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, AsciiString length) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body.duplicate(), false);
            response.headers()
                    .set(HttpHeaderNames.SERVER, SERVER)
                    .set(HttpHeaderNames.DATE, Date.now())
                    .set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                    .set(HttpHeaderNames.CONTENT_LENGTH, length);
            return response;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

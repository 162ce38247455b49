package io.jmio.benchmarks.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.LineEncoder;
import io.netty.handler.codec.string.LineSeparator;
import io.netty.handler.codec.string.StringDecoder;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * Netty line echo server for the lines suite: as {@link NettyEchoServer} (native epoll, one event
 * loop thread, pooled buffers), with the usual line pipeline: {@code LineBasedFrameDecoder} (64 KiB
 * limit, line end stripped), {@code StringDecoder}, and {@code LineEncoder}, Netty's string encoder
 * for lines (the string and its '\n' encoded into one buffer). Flushes once per read batch.
 */
public final class NettyLineEchoServer {
    private static final StringDecoder DECODER = new StringDecoder(StandardCharsets.UTF_8);
    private static final LineEncoder ENCODER = new LineEncoder(LineSeparator.UNIX, StandardCharsets.UTF_8);
    private static final Echo ECHO = new Echo();

    private NettyLineEchoServer() {}

    public static void main(String[] args) throws InterruptedException {
        int port = EchoServerArgs.port(args);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024), DECODER, ENCODER, ECHO);
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

    @Sharable
    private static final class Echo extends SimpleChannelInboundHandler<String> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            ctx.write(line, ctx.voidPromise());
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

package io.jmio.benchmarks.echo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Java NIO echo server for the comparison, written the way a careful NIO user would: one thread,
 * one {@link Selector}, {@code select(Consumer)} (no selected-key set to allocate into), a 16 KiB
 * direct buffer per connection, and write interest only while an echo is partly unsent.
 */
public final class NioEchoServer {
    private static final int BUFFER_SIZE = 16 * 1024;

    private NioEchoServer() {}

    public static void main(String[] args) throws IOException {
        int port = EchoServerArgs.port(args);
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            EchoServerArgs.announce(server.getLocalAddress());
            while (true) {
                selector.select(key -> {
                    if (key.isAcceptable()) {
                        accept(server, selector);
                    } else {
                        serve(key);
                    }
                });
            }
        }
    }

    private static void accept(ServerSocketChannel server, Selector selector) {
        try {
            SocketChannel channel;
            while ((channel = server.accept()) != null) {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
                buffer.limit(0); // nothing waiting to be echoed
                channel.register(selector, SelectionKey.OP_READ, buffer);
            }
        } catch (IOException e) {
            throw new IllegalStateException("accept failed", e);
        }
    }

    /** The attached buffer holds, between position and limit, the bytes still to be echoed. */
    private static void serve(SelectionKey key) {
        SocketChannel channel = (SocketChannel) key.channel();
        ByteBuffer buffer = (ByteBuffer) key.attachment();
        try {
            while (true) {
                if (buffer.hasRemaining()) {
                    channel.write(buffer);
                    if (buffer.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                        return;
                    }
                }
                buffer.clear();
                int n = channel.read(buffer);
                buffer.flip();
                if (n < 0) {
                    channel.close();
                    return;
                }
                if (n < BUFFER_SIZE) {
                    // Level-triggered: a short read means the socket is drained for now; echo it and
                    // let the selector report the next bytes rather than paying for a read that says 0.
                    if (n > 0) channel.write(buffer);
                    if (buffer.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                    } else if (key.interestOps() != SelectionKey.OP_READ) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                    return;
                }
            }
        } catch (IOException e) {
            close(channel);
        }
    }

    private static void close(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the connection is gone either way
        }
    }
}

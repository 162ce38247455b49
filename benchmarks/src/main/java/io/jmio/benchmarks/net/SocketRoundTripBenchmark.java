package io.jmio.benchmarks.net;

import io.jmio.net.TcpListener;
import io.jmio.net.TcpStream;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A 64-byte write on one end of a connected loopback TCP pair and the read of those bytes on the
 * other, through each library's lowest public non-blocking API with direct memory: jmio's
 * {@link TcpStream} (each backend in its own fork), java.nio's {@link SocketChannel}, and Netty's
 * native transport ({@link Socket#writeAddress}/{@link Socket#readAddress}, the calls its
 * {@code EpollSocketChannel} makes underneath).
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar SocketRoundTripBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SocketRoundTripBenchmark {
    private static final int SIZE = 64;
    /** How long setup waits for loopback accept/connect, far more than they ever take. */
    private static final long SETUP_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Param({"jmio-jna", "jmio-ffm", "nio", "netty"})
    public String impl;

    private ByteBuffer out;
    private ByteBuffer in;

    /** jmio's TcpStream and NIO's SocketChannel share one path: both are ByteChannels. */
    private ByteChannel writer;
    private ByteChannel reader;
    private Socket nettyWriter;
    private Socket nettyReader;
    private long outAddress;
    private long inAddress;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
        out = ByteBuffer.allocateDirect(SIZE);
        in = ByteBuffer.allocateDirect(SIZE);
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        switch (impl) {
            case "jmio-jna":
            case "jmio-ffm":
                openJmio(impl.substring("jmio-".length()), any);
                break;
            case "nio":
                openNio(any);
                break;
            case "netty":
                openNetty(any);
                break;
            default:
                throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    private void openJmio(String backend, InetSocketAddress any) throws IOException, InterruptedException {
        System.setProperty("jmio.backend", backend);
        String loaded = io.jmio.sys.Syscalls.require().name();
        if (!loaded.equals(backend)) {
            throw new IllegalStateException("asked for " + backend + " but jmio loaded " + loaded
                    + "; each backend needs its own fork (-f 1 or more)");
        }
        try (TcpListener listener = TcpListener.bind(any, 1)) {
            TcpStream client = TcpStream.connect(listener.localAddress());
            writer = client;
            long deadline = System.nanoTime() + SETUP_NANOS;
            TcpStream accepted;
            while ((accepted = listener.accept()) == null) pause(deadline, "accept");
            reader = accepted;
            while (client.peerAddress() == null) pause(deadline, "connect");
            client.setNoDelay(true);
        }
    }

    private void openNio(InetSocketAddress any) throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(any, 1);
            SocketChannel client = SocketChannel.open(listener.getLocalAddress()); // blocking until connected
            writer = client;
            SocketChannel accepted = listener.accept();
            reader = accepted;
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            client.configureBlocking(false);
            accepted.configureBlocking(false);
        }
    }

    private void openNetty(InetSocketAddress any) throws IOException, InterruptedException {
        Epoll.ensureAvailability(); // loads Netty's native library, which the unix Socket needs
        try (AutoCloseableSocket listener = new AutoCloseableSocket(Socket.newSocketStream())) {
            listener.socket.bind(any);
            listener.socket.listen(1);
            nettyWriter = Socket.newSocketStream();
            boolean connected = nettyWriter.connect(listener.socket.localAddress());
            long deadline = System.nanoTime() + SETUP_NANOS;
            byte[] remote = new byte[32];
            int fd;
            while ((fd = listener.socket.accept(remote)) < 0) pause(deadline, "accept");
            nettyReader = new Socket(fd);
            while (!connected) {
                connected = nettyWriter.finishConnect();
                if (!connected) pause(deadline, "connect");
            }
        }
        nettyWriter.setTcpNoDelay(true);
        outAddress = io.netty.channel.unix.Buffer.memoryAddress(out);
        inAddress = io.netty.channel.unix.Buffer.memoryAddress(in);
    }

    private static void pause(long deadline, String what) throws InterruptedException {
        if (System.nanoTime() > deadline) throw new IllegalStateException("loopback " + what + " did not complete");
        Thread.sleep(1);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (writer != null) writer.close();
        if (reader != null) reader.close();
        if (nettyWriter != null) nettyWriter.close();
        if (nettyReader != null) nettyReader.close();
    }

    @Benchmark
    public int writeRead64() throws IOException {
        return nettyWriter != null ? netty() : channels();
    }

    private int channels() throws IOException {
        ((Buffer) out).clear();
        if (writer.write(out) != SIZE) throw new IllegalStateException("short write");
        ((Buffer) in).clear();
        while (in.hasRemaining()) {
            if (reader.read(in) < 0) throw new IllegalStateException("end of stream");
        }
        return in.position();
    }

    private int netty() throws IOException {
        if (nettyWriter.writeAddress(outAddress, 0, SIZE) != SIZE) throw new IllegalStateException("short write");
        int read = 0;
        while (read < SIZE) {
            int n = nettyReader.readAddress(inAddress, read, SIZE);
            if (n < 0) throw new IllegalStateException("end of stream");
            read += n;
        }
        return read;
    }

    /** Netty's Socket is not AutoCloseable. */
    private static final class AutoCloseableSocket implements AutoCloseable {
        final Socket socket;

        AutoCloseableSocket(Socket socket) {
            this.socket = socket;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}

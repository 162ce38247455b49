package io.jmio.examples.server;

import io.jmio.net.TcpListener;
import io.jmio.net.TcpSocket;
import io.jmio.net.UdpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * Binds {@code count} sockets to one address with SO_REUSEPORT, one per event loop. Port 0
 * resolves once, with the first socket, and the others join that port.
 */
public final class ReusePort {
    private ReusePort() {}

    public static List<TcpListener> tcpListeners(InetSocketAddress address, int count) throws IOException {
        List<TcpListener> listeners = new ArrayList<>(count);
        try {
            InetSocketAddress bound = address;
            for (int i = 0; i < count; i++) {
                try (TcpSocket socket = TcpSocket.forAddress(bound)) {
                    TcpListener listener = socket.setOption(StandardSocketOptions.SO_REUSEADDR, true)
                            .setOption(StandardSocketOptions.SO_REUSEPORT, true)
                            .bind(bound)
                            .listen(TcpListener.DEFAULT_BACKLOG);
                    listeners.add(listener);
                    bound = listener.localAddress();
                }
            }
            return listeners;
        } catch (IOException | RuntimeException e) {
            listeners.forEach(TcpListener::close);
            throw e;
        }
    }

    public static List<UdpSocket> udpSockets(InetSocketAddress address, int count) throws IOException {
        List<UdpSocket> sockets = new ArrayList<>(count);
        try {
            InetSocketAddress bound = address;
            for (int i = 0; i < count; i++) {
                try (UdpSocket.Builder builder = UdpSocket.forAddress(bound)) {
                    UdpSocket socket = builder.setOption(StandardSocketOptions.SO_REUSEPORT, true).bind(bound);
                    sockets.add(socket);
                    bound = socket.localAddress();
                }
            }
            return sockets;
        } catch (IOException | RuntimeException e) {
            sockets.forEach(UdpSocket::close);
            throw e;
        }
    }
}

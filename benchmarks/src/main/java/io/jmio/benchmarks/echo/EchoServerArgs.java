package io.jmio.benchmarks.echo;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The command line every echo server of the comparison shares: {@code --port N} in (0 picks a free
 * port), {@code listening on HOST:PORT} out on stderr once it accepts connections. The harness waits
 * for that line, so a server prints it only after its listening socket is bound.
 */
public final class EchoServerArgs {
    private EchoServerArgs() {}

    /** The value of {@code --port}, or 0 when absent. */
    public static int port(String[] args) {
        String value = value(args, "--port");
        if (value == null) return 0;
        int port = Integer.parseInt(value);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        return port;
    }

    /** The value of option {@code name} as a non-negative long, or {@code absent} when it is not given. */
    public static long longOption(String[] args, String name, long absent) {
        String text = value(args, name);
        if (text == null) return absent;
        long value = Long.parseLong(text);
        if (value < 0) throw new IllegalArgumentException(name + " must not be negative: " + value);
        return value;
    }

    /** The argument after option {@code name}, or null when it is not given. */
    public static String stringOption(String[] args, String name) {
        return value(args, name);
    }

    /** The argument after {@code name}, or null when {@code name} is absent. */
    private static String value(String[] args, String name) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                if (i + 1 == args.length) throw new IllegalArgumentException(name + " needs a value");
                return args[i + 1];
            }
        }
        return null;
    }

    public static void announce(SocketAddress bound) {
        InetSocketAddress address = (InetSocketAddress) bound;
        System.err.println("listening on " + address.getAddress().getHostAddress() + ":" + address.getPort());
    }
}

package io.jmio.sys;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes {@code struct sockaddr_in}, {@code sockaddr_in6} and {@code sockaddr_un} in
 * native memory (a {@link Scratch} region). Internal.
 */
public final class SockAddr {
    private SockAddr() {}

    /** The address family a socket needs for {@code address}. */
    public static int family(InetAddress address) {
        return address instanceof Inet6Address ? Linux.AF_INET6 : Linux.AF_INET;
    }

    /**
     * Writes {@code address} at {@code offset} as the given socket family (an IPv4 address for an
     * AF_INET6 socket becomes IPv4-mapped) and returns the struct's length.
     */
    public static int encodeInet(ByteBuffer memory, int offset, int socketFamily, InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        byte[] raw = ip.getAddress();
        int port = address.getPort();
        if (socketFamily == Linux.AF_INET) {
            if (raw.length != 4) {
                throw new IllegalArgumentException("an IPv6 address needs an IPv6 socket: " + address);
            }
            clear(memory, offset, Layout.SOCKADDR_IN_SIZE);
            memory.putShort(offset, (short) Linux.AF_INET);
            putPort(memory, offset + 2, port);
            putBytes(memory, offset + 4, raw);
            return Layout.SOCKADDR_IN_SIZE;
        }
        clear(memory, offset, Layout.SOCKADDR_IN6_SIZE);
        memory.putShort(offset, (short) Linux.AF_INET6);
        putPort(memory, offset + 2, port);
        if (raw.length == 4) {
            memory.put(offset + 8 + 10, (byte) 0xff);
            memory.put(offset + 8 + 11, (byte) 0xff);
            putBytes(memory, offset + 8 + 12, raw);
        } else {
            putBytes(memory, offset + 8, raw);
            memory.putInt(offset + 24, ((Inet6Address) ip).getScopeId());
        }
        return Layout.SOCKADDR_IN6_SIZE;
    }

    /** Reads an IPv4 or IPv6 socket address; IPv4-mapped IPv6 addresses come back as IPv4. */
    public static InetSocketAddress decodeInet(ByteBuffer memory, int offset, int length) {
        int family = memory.getShort(offset);
        int port = ((memory.get(offset + 2) & 0xff) << 8) | (memory.get(offset + 3) & 0xff);
        try {
            if (family == Linux.AF_INET && length >= Layout.SOCKADDR_IN_SIZE) {
                return new InetSocketAddress(InetAddress.getByAddress(getBytes(memory, offset + 4, 4)), port);
            }
            if (family == Linux.AF_INET6 && length >= Layout.SOCKADDR_IN6_SIZE) {
                byte[] raw = getBytes(memory, offset + 8, 16);
                int scope = memory.getInt(offset + 24);
                InetAddress ip = InetAddress.getByAddress(raw); // Inet4Address if IPv4-mapped
                if (ip instanceof Inet6Address && scope != 0) {
                    ip = Inet6Address.getByAddress(null, raw, scope);
                }
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
        throw new IllegalStateException("not an IP socket address: family " + family + ", length " + length);
    }

    /**
     * Writes a {@code sockaddr_un} for a path, or for an abstract name when {@code abstractName}
     * (a leading NUL byte, Linux only), and returns its length. An empty path encodes the unnamed
     * address (the family alone), which {@code bind} turns into an autobind to a fresh abstract
     * name; without this it would become the empty abstract name.
     */
    public static int encodeUnix(ByteBuffer memory, int offset, byte[] name, boolean abstractName) {
        if (name.length == 0 && !abstractName) {
            memory.putShort(offset, (short) Linux.AF_UNIX);
            return Layout.SOCKADDR_UN_PATH;
        }
        int max = Layout.SOCKADDR_UN_PATH_SIZE - 1; // paths keep a terminating NUL; abstract names a leading one
        if (name.length > max) {
            throw new IllegalArgumentException("Unix socket address too long: " + name.length + " bytes, at most " + max);
        }
        if (!abstractName) {
            for (byte b : name) {
                if (b == 0) {
                    throw new IllegalArgumentException("Unix socket path contains a NUL byte");
                }
            }
        }
        clear(memory, offset, Layout.SOCKADDR_UN_PATH + Layout.SOCKADDR_UN_PATH_SIZE);
        memory.putShort(offset, (short) Linux.AF_UNIX);
        int path = offset + Layout.SOCKADDR_UN_PATH;
        if (abstractName) {
            putBytes(memory, path + 1, name);
            return Layout.SOCKADDR_UN_PATH + 1 + name.length;
        }
        putBytes(memory, path, name);
        return Layout.SOCKADDR_UN_PATH + name.length + 1;
    }

    /**
     * Reads a {@code sockaddr_un}'s name bytes: empty for an unnamed socket, a leading 0 byte for
     * an abstract name, otherwise the path without its terminating NUL.
     */
    public static byte[] decodeUnix(ByteBuffer memory, int offset, int length) {
        int nameLength = length - Layout.SOCKADDR_UN_PATH;
        if (nameLength <= 0) {
            return new byte[0];
        }
        int path = offset + Layout.SOCKADDR_UN_PATH;
        if (memory.get(path) != 0) {
            int end = 0;
            while (end < nameLength && memory.get(path + end) != 0) {
                end++;
            }
            nameLength = end;
        }
        return getBytes(memory, path, nameLength);
    }

    private static void putPort(ByteBuffer memory, int at, int port) {
        memory.put(at, (byte) (port >>> 8));
        memory.put(at + 1, (byte) port);
    }

    private static void putBytes(ByteBuffer memory, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.put(at + i, bytes[i]);
        }
    }

    private static byte[] getBytes(ByteBuffer memory, int at, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = memory.get(at + i);
        }
        return bytes;
    }

    private static void clear(ByteBuffer memory, int at, int length) {
        for (int i = 0; i < length; i++) {
            memory.put(at + i, (byte) 0);
        }
    }

}

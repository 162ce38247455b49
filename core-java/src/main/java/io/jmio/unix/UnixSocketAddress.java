package io.jmio.unix;

import io.jmio.sys.Layout;
import io.jmio.sys.Scratch;
import io.jmio.sys.SockAddr;
import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.net.SocketAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Objects;

/**
 * The address of a Unix domain socket: a filesystem path, a Linux abstract name, or unnamed.
 * An immutable value (equal when kind and name bytes are equal), usable where Java 11 and Android
 * lack {@code java.net.UnixDomainSocketAddress}.
 *
 * <pre>{@code
 * UnixSocketAddress file = UnixSocketAddress.of(Paths.get("/run/app.sock"));
 * UnixSocketAddress name = UnixSocketAddress.abstractName("app"); // no file; shown as "@app"
 * try (UnixListener listener = UnixListener.bind(name)) {
 *     UnixStream client = UnixStream.connect(name);
 *     client.peerAddress().equals(name); // true
 * }
 * }</pre>
 *
 * <ul>
 *   <li>A <b>path</b> names a socket file; binding creates the file, closing never removes it.
 *       At most {@value #MAX_NAME_BYTES} bytes in the platform's file-name encoding, no NUL.</li>
 *   <li>An <b>abstract</b> name (Linux only) lives in the network namespace, not the
 *       filesystem, and disappears with the last socket bound to it. Any bytes, NUL included,
 *       at most {@value #MAX_NAME_BYTES}.</li>
 *   <li><b>Unnamed</b> is what an unbound socket, or either end of a {@code pair()}, reports.
 *       Binding to it asks Linux to pick a fresh abstract name (autobind).</li>
 * </ul>
 */
public final class UnixSocketAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    /** The longest path or abstract name, in bytes: {@code sun_path} holds 108 with one NUL. */
    public static final int MAX_NAME_BYTES = Layout.SOCKADDR_UN_PATH_SIZE - 1;

    private static final int UNNAMED = 0;
    private static final int PATH = 1;
    private static final int ABSTRACT = 2;

    /** How the JVM turns file names into bytes on this system (what {@code java.io.File} uses). */
    private static final Charset FILE_NAMES = fileNameCharset();

    private static final UnixSocketAddress UNNAMED_ADDRESS = new UnixSocketAddress(UNNAMED, new byte[0]);

    private final int kind;
    /** The path's bytes without a terminating NUL, or the abstract name without its leading NUL. */
    private final byte[] name;

    private UnixSocketAddress(int kind, byte[] name) {
        this.kind = kind;
        this.name = name;
    }

    /**
     * The address of the socket file at {@code path}. Relative paths are resolved by the kernel
     * against the working directory at the time of each bind or connect.
     *
     * @throws IllegalArgumentException if the path is empty, contains a NUL character, or is longer
     *     than {@value #MAX_NAME_BYTES} bytes
     */
    public static UnixSocketAddress of(Path path) {
        String text = Objects.requireNonNull(path, "path").toString();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty Unix socket path");
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Unix socket path contains a NUL character: " + text.replace('\0', '?'));
        }
        byte[] bytes = text.getBytes(FILE_NAMES);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("Unix socket path too long: " + bytes.length + " bytes, at most "
                    + MAX_NAME_BYTES + ": " + text);
        }
        return new UnixSocketAddress(PATH, bytes);
    }

    /**
     * A Linux abstract name given as text (encoded as UTF-8).
     *
     * @throws IllegalArgumentException if it is longer than {@value #MAX_NAME_BYTES} bytes
     */
    public static UnixSocketAddress abstractName(String name) {
        return abstractName(Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A Linux abstract name given as raw bytes (copied).
     *
     * @throws IllegalArgumentException if it is longer than {@value #MAX_NAME_BYTES} bytes
     */
    public static UnixSocketAddress abstractName(byte[] name) {
        Objects.requireNonNull(name, "name");
        if (name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("abstract Unix socket name too long: " + name.length + " bytes, at most "
                    + MAX_NAME_BYTES);
        }
        return new UnixSocketAddress(ABSTRACT, name.clone());
    }

    /** The unnamed address. */
    public static UnixSocketAddress unnamed() {
        return UNNAMED_ADDRESS;
    }

    /** The socket file's path, or null if this is not a path address. */
    public Path path() {
        return kind == PATH ? Paths.get(new String(name, FILE_NAMES)) : null;
    }

    /** A copy of the abstract name's bytes (without the leading NUL), or null if this is not an abstract name. */
    public byte[] abstractNameBytes() {
        return kind == ABSTRACT ? name.clone() : null;
    }

    public boolean isPath() {
        return kind == PATH;
    }

    public boolean isAbstract() {
        return kind == ABSTRACT;
    }

    public boolean isUnnamed() {
        return kind == UNNAMED;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof UnixSocketAddress)) {
            return false;
        }
        UnixSocketAddress that = (UnixSocketAddress) other;
        return kind == that.kind && Arrays.equals(name, that.name);
    }

    @Override
    public int hashCode() {
        return 31 * kind + Arrays.hashCode(name);
    }

    /**
     * The path as is, an abstract name as {@code @name} (the notation of {@code ss} and
     * {@code netstat}, with bytes outside printable ASCII as {@code \xNN}), or {@code (unnamed)}.
     */
    @Override
    public String toString() {
        switch (kind) {
            case PATH:
                return new String(name, FILE_NAMES);
            case ABSTRACT:
                StringBuilder out = new StringBuilder(name.length + 1).append('@');
                for (byte b : name) {
                    if (b >= 0x20 && b < 0x7f && b != '\\') {
                        out.append((char) b);
                    } else {
                        out.append(String.format("\\x%02x", b & 0xff));
                    }
                }
                return out.toString();
            default:
                return "(unnamed)";
        }
    }

    /** Writes this address into the calling thread's scratch {@code sockaddr_un}; returns its length. */
    int encode() {
        return SockAddr.encodeUnix(Scratch.get().buffer, Scratch.ADDRESS, name, kind == ABSTRACT);
    }

    /** Reads the {@code sockaddr_un} of {@code length} bytes the last syscall left in scratch. */
    static UnixSocketAddress decode(int length) {
        byte[] raw = SockAddr.decodeUnix(Scratch.get().buffer, Scratch.ADDRESS, length);
        if (raw.length == 0) {
            return UNNAMED_ADDRESS;
        }
        if (raw[0] == 0) {
            return new UnixSocketAddress(ABSTRACT, Arrays.copyOfRange(raw, 1, raw.length));
        }
        return new UnixSocketAddress(PATH, raw);
    }

    /** Deserialised instances pass the same checks as constructed ones. */
    private Object readResolve() throws ObjectStreamException {
        try {
            switch (kind) {
                case UNNAMED:
                    return UNNAMED_ADDRESS;
                case ABSTRACT:
                    return abstractName(name);
                case PATH:
                    return of(Paths.get(new String(name, FILE_NAMES)));
                default:
                    throw new IllegalArgumentException("unknown kind " + kind);
            }
        } catch (RuntimeException e) {
            InvalidObjectException invalid = new InvalidObjectException("invalid UnixSocketAddress: " + e.getMessage());
            invalid.initCause(e);
            throw invalid;
        }
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        if (name != null) {
            try {
                return Charset.forName(name);
            } catch (RuntimeException unsupported) {
                // fall through to UTF-8, Android's and most Linux systems' file-name encoding
            }
        }
        return StandardCharsets.UTF_8;
    }
}

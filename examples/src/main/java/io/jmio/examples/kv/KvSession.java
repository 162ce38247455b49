package io.jmio.examples.kv;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection's RESP2 protocol, without I/O: request bytes in, reply bytes out. The
 * session owns both buffers, so a server's connection loop is only:
 *
 * <pre>{@code
 * while (conn.read(session.input()) >= 0) {
 *     ByteBuffer replies;
 *     while ((replies = session.process()) != null) conn.writeFully(replies);
 *     if (session.isClosing()) break;
 * }
 * }</pre>
 *
 * <p>A batch of pipelined requests runs under the store's lock, so connections on several event
 * loops share one store and each command is atomic. The input buffer grows as a large request
 * arrives (doubling, up to {@link #MAX_REQUEST}) and shrinks back after it. A malformed request,
 * or one over the limits, gets {@code -ERR Protocol error: ...} and closes this connection only.
 */
public final class KvSession {
    /** Reply bytes after which a batch pauses so they can be written. */
    static final int FLUSH_THRESHOLD = 64 * 1024;
    /** As many arguments as any client sends (Redis allows more, but so many is an attack). */
    static final int MAX_ARGS = 1024 * 1024;
    /** The largest request buffered, as Redis's client-query-buffer-limit. */
    public static final int MAX_REQUEST = 1 << 30;
    /** The bulk limit Redis uses by default (proto-max-bulk-len). */
    public static final long DEFAULT_MAX_BULK = 512L * 1024 * 1024;
    /** The largest bulk limit a session takes: a request with such a bulk must still fit {@link #MAX_REQUEST}. */
    public static final long MAX_BULK_LIMIT = MAX_REQUEST - RespParser.MAX_LINE;
    private static final int INPUT_SIZE = 16 * 1024;
    private static final AtomicLong CLIENT_IDS = new AtomicLong();

    final Store store;
    final RespWriter out = new RespWriter(16 * 1024);
    final Key.Probe probe = new Key.Probe();
    final long clientId = CLIENT_IDS.incrementAndGet();
    String clientName;
    boolean closing;

    private final RespParser parser;
    private final Request request = new Request();
    private final long maxBulk;
    private final ByteBuffer smallInput = ByteBuffer.allocateDirect(INPUT_SIZE);
    private ByteBuffer input = smallInput;

    /**
     * A session on {@code store} that accepts bulk arguments of up to {@code maxBulk} bytes.
     *
     * @throws IllegalArgumentException unless {@code 1 <= maxBulk <= MAX_BULK_LIMIT}
     */
    public KvSession(Store store, long maxBulk) {
        if (maxBulk < 1 || maxBulk > MAX_BULK_LIMIT) {
            throw new IllegalArgumentException("maxBulk must be in [1, " + MAX_BULK_LIMIT + "]: " + maxBulk);
        }
        this.store = store;
        this.maxBulk = maxBulk;
        this.parser = new RespParser(maxBulk, MAX_ARGS);
    }

    /** The buffer to read request bytes into, in write mode, with room for at least one byte. */
    public ByteBuffer input() {
        return input;
    }

    /**
     * Runs the complete requests read so far, in order, and returns their replies ready to write
     * (write all of them, then call again), or null when there is nothing to write: then read more,
     * unless {@link #isClosing()}.
     */
    public ByteBuffer process() {
        out.shrink(); // the previous replies were written
        if (!closing) {
            input.flip();
            try {
                runRequests();
            } finally {
                input.compact();
            }
            if (!closing) {
                fitInput();
            }
        }
        return out.pending() == 0 ? null : out.buffer().flip();
    }

    /** True after QUIT or a protocol error: write the replies, then close. */
    public boolean isClosing() {
        return closing;
    }

    private void runRequests() {
        synchronized (store) {
            while (!closing && out.pending() < FLUSH_THRESHOLD) {
                try {
                    if (!parser.parse(input, request)) {
                        return;
                    }
                } catch (RespError protocolError) {
                    protocolError(protocolError.getMessage());
                    return;
                }
                if (request.count() > 0) {
                    execute();
                }
            }
        }
    }

    /** Makes room for the pending request: grows for a large one, shrinks back after it. */
    private void fitInput() {
        long needed = parser.bytesNeeded();
        if (input.position() == 0 && input != smallInput) {
            input = smallInput;
            input.clear();
        } else if (needed > MAX_REQUEST) {
            protocolError("ERR Protocol error: request larger than " + MAX_REQUEST + " bytes");
        } else if (!input.hasRemaining()) {
            // Grow with what has arrived, doubling, never to the length a request claims: 30 bytes
            // could claim 512 MiB, and a few such connections would take the heap.
            // A large request is rare and short-lived: the heap holds it better than direct memory.
            long size = Math.min(MAX_REQUEST, 2L * input.capacity());
            ByteBuffer grown = ByteBuffer.allocate((int) size);
            input.flip();
            grown.put(input);
            input = grown;
        }
    }

    private void protocolError(String message) {
        out.error(message);
        closing = true;
    }

    private void execute() {
        int mark = out.pending();
        Command command = Commands.find(request);
        try {
            if (command == null) {
                throw unknownCommand();
            }
            if (!command.acceptsArgumentCount(request.count())) {
                throw command.arityError();
            }
            command.handler.run(request, this);
        } catch (RespError error) {
            out.buffer().position(mark); // drop any partial reply
            out.error(error.getMessage());
            closing |= error.fatal;
        }
    }

    /** As Redis 7: {@code ERR unknown command 'foo', with args beginning with: 'a' 'b' }. */
    private RespError unknownCommand() {
        StringBuilder message = new StringBuilder("ERR unknown command '").append(request.text(0, 128))
                .append("', with args beginning with: ");
        for (int i = 1; i < request.count() && message.length() < 256; i++) {
            message.append('\'').append(request.text(i, 128)).append("' ");
        }
        return new RespError(message.toString());
    }

    Entry find(Request request, int arg) {
        return store.find(probe.of(request, arg), store.now());
    }

    /** What CONFIG GET reports. */
    Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("save", "");
        config.put("appendonly", "no");
        config.put("databases", "1");
        config.put("maxmemory", "0");
        config.put("timeout", "0");
        config.put("proto-max-bulk-len", Long.toString(maxBulk));
        return config;
    }
}

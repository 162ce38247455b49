package io.jmio.examples.kv;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection's RESP2 protocol, without I/O: request bytes in, reply bytes out. The
 * server drives it as it drives the HTTP session:
 *
 * <pre>{@code
 * in.flip();
 * session.process(in);          // runs every complete request, replies into session.replies()
 * in.compact();                 // a partial request waits for more bytes (grow `in` to bytesNeeded())
 * write all of session.replies() (flipped), then session.repliesWritten();
 * if (session.isClosing()) close the connection
 * }</pre>
 *
 * <p>A batch of pipelined requests runs under the store's lock, so connections on several event
 * loops share one store and each command is atomic. A malformed request or one over the limits
 * gets {@code -ERR Protocol error: ...} and closes this connection only.
 */
public final class KvSession {
    /** Reply bytes after which a batch pauses so they can be written. */
    static final int FLUSH_THRESHOLD = 64 * 1024;
    /** As many arguments as any client sends (Redis allows more, but so many is an attack). */
    static final int MAX_ARGS = 1024 * 1024;
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

    /** A session on {@code store} that accepts bulk arguments of up to {@code maxBulk} bytes. */
    public KvSession(Store store, long maxBulk) {
        if (maxBulk < 1 || maxBulk > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("maxBulk must be in [1, 2 GiB - 1 KiB]: " + maxBulk);
        }
        this.store = store;
        this.maxBulk = maxBulk;
        this.parser = new RespParser(maxBulk, MAX_ARGS);
    }

    /**
     * Runs the complete requests between {@code in}'s position and limit, in order, and advances
     * past them. Stops at a partial request, once {@link #FLUSH_THRESHOLD} reply bytes are waiting,
     * or when the connection must close.
     */
    public void process(ByteBuffer in) {
        synchronized (store) {
            while (!closing && out.pending() < FLUSH_THRESHOLD) {
                try {
                    if (!parser.parse(in, request)) {
                        return;
                    }
                } catch (RespError protocolError) {
                    out.error(protocolError.getMessage());
                    closing = true;
                    return;
                }
                if (request.count() > 0) {
                    execute();
                }
            }
        }
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

    /** The replies waiting to be written, in write mode (flip before writing). */
    public ByteBuffer replies() {
        return out.buffer();
    }

    /** After the replies were written: empties the reply buffer. */
    public void repliesWritten() {
        out.shrink();
    }

    /** True after QUIT or a protocol error: write the replies, then close. */
    public boolean isClosing() {
        return closing;
    }

    /**
     * After {@link #process} stopped at a partial request: how many bytes that request needs at
     * least, counted from the buffer's position. Grow the input buffer if it cannot hold them.
     */
    public long bytesNeeded() {
        return parser.bytesNeeded();
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

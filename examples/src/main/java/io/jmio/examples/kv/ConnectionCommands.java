package io.jmio.examples.kv;

/** PING, ECHO, SELECT, QUIT and CLIENT: the connection's own commands. */
final class ConnectionCommands {
    private static final byte[] SETNAME = {'S', 'E', 'T', 'N', 'A', 'M', 'E'};
    private static final byte[] GETNAME = {'G', 'E', 'T', 'N', 'A', 'M', 'E'};
    private static final byte[] ID = {'I', 'D'};
    private static final byte[] SETINFO = {'S', 'E', 'T', 'I', 'N', 'F', 'O'};
    private static final byte[] INFO = {'I', 'N', 'F', 'O'};

    private ConnectionCommands() {}

    static void ping(Request request, KvSession session) {
        if (request.count() > 2) {
            throw new RespError("ERR wrong number of arguments for 'ping' command");
        }
        if (request.count() == 1) {
            session.out.raw(RespWriter.PONG);
        } else {
            session.out.bulk(request, 1);
        }
    }

    static void echo(Request request, KvSession session) {
        session.out.bulk(request, 1);
    }

    /** There is one database, 0, as with Redis Cluster. */
    static void select(Request request, KvSession session) {
        if (request.longAt(1) != 0) {
            throw new RespError("ERR DB index is out of range");
        }
        session.out.raw(RespWriter.OK);
    }

    static void quit(Request request, KvSession session) {
        session.out.raw(RespWriter.OK);
        session.closing = true;
    }

    /** CLIENT SETNAME / GETNAME / ID / SETINFO / INFO: what client libraries send on connect. */
    static void client(Request request, KvSession session) {
        int count = request.count();
        if (request.is(1, SETNAME) && count == 3) {
            String name = request.text(2, Integer.MAX_VALUE);
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < '!' || c > '~') {
                    throw new RespError("ERR Client names cannot contain spaces, newlines or special characters.");
                }
            }
            session.clientName = name.isEmpty() ? null : name;
            session.out.raw(RespWriter.OK);
        } else if (request.is(1, GETNAME) && count == 2) {
            session.out.bulk(session.clientName == null ? null : session.clientName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else if (request.is(1, ID) && count == 2) {
            session.out.integer(session.clientId);
        } else if (request.is(1, SETINFO) && count == 4) {
            session.out.raw(RespWriter.OK);
        } else if (request.is(1, INFO) && count == 2) {
            session.out.bulk("id=" + session.clientId + " name=" + (session.clientName == null ? "" : session.clientName) + " db=0\n");
        } else {
            throw new RespError("ERR unknown subcommand or wrong number of arguments for '" + request.text(1, 128)
                    + "'. Try CLIENT HELP.");
        }
    }
}

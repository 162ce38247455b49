package io.jmio.sys;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;

/**
 * errno values of Linux's generic ABI (x86-64, aarch64) and their mapping to the JDK's own
 * exception types. Every message names the errno, e.g. {@code "connect: Connection refused (ECONNREFUSED)"}.
 * Internal.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ENOSYS = 38;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int ENOPROTOOPT = 92;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;

    /** The symbolic name of an errno value, or {@code "errno N"} for one this table lacks. */
    public static String name(int errno) {
        switch (errno) {
            case 1: return "EPERM";
            case 2: return "ENOENT";
            case 3: return "ESRCH";
            case 4: return "EINTR";
            case 5: return "EIO";
            case 6: return "ENXIO";
            case 7: return "E2BIG";
            case 8: return "ENOEXEC";
            case 9: return "EBADF";
            case 10: return "ECHILD";
            case 11: return "EAGAIN";
            case 12: return "ENOMEM";
            case 13: return "EACCES";
            case 14: return "EFAULT";
            case 15: return "ENOTBLK";
            case 16: return "EBUSY";
            case 17: return "EEXIST";
            case 18: return "EXDEV";
            case 19: return "ENODEV";
            case 20: return "ENOTDIR";
            case 21: return "EISDIR";
            case 22: return "EINVAL";
            case 23: return "ENFILE";
            case 24: return "EMFILE";
            case 25: return "ENOTTY";
            case 26: return "ETXTBSY";
            case 27: return "EFBIG";
            case 28: return "ENOSPC";
            case 29: return "ESPIPE";
            case 30: return "EROFS";
            case 31: return "EMLINK";
            case 32: return "EPIPE";
            case 33: return "EDOM";
            case 34: return "ERANGE";
            case 35: return "EDEADLK";
            case 36: return "ENAMETOOLONG";
            case 37: return "ENOLCK";
            case 38: return "ENOSYS";
            case 39: return "ENOTEMPTY";
            case 40: return "ELOOP";
            case 42: return "ENOMSG";
            case 43: return "EIDRM";
            case 61: return "ENODATA";
            case 62: return "ETIME";
            case 71: return "EPROTO";
            case 74: return "EBADMSG";
            case 75: return "EOVERFLOW";
            case 84: return "EILSEQ";
            case 88: return "ENOTSOCK";
            case 89: return "EDESTADDRREQ";
            case 90: return "EMSGSIZE";
            case 91: return "EPROTOTYPE";
            case 92: return "ENOPROTOOPT";
            case 93: return "EPROTONOSUPPORT";
            case 94: return "ESOCKTNOSUPPORT";
            case 95: return "EOPNOTSUPP";
            case 96: return "EPFNOSUPPORT";
            case 97: return "EAFNOSUPPORT";
            case 98: return "EADDRINUSE";
            case 99: return "EADDRNOTAVAIL";
            case 100: return "ENETDOWN";
            case 101: return "ENETUNREACH";
            case 102: return "ENETRESET";
            case 103: return "ECONNABORTED";
            case 104: return "ECONNRESET";
            case 105: return "ENOBUFS";
            case 106: return "EISCONN";
            case 107: return "ENOTCONN";
            case 108: return "ESHUTDOWN";
            case 109: return "ETOOMANYREFS";
            case 110: return "ETIMEDOUT";
            case 111: return "ECONNREFUSED";
            case 112: return "EHOSTDOWN";
            case 113: return "EHOSTUNREACH";
            case 114: return "EALREADY";
            case 115: return "EINPROGRESS";
            case 116: return "ESTALE";
            case 122: return "EDQUOT";
            case 125: return "ECANCELED";
            default: return "errno " + errno;
        }
    }

    /**
     * The exception a failed {@code operation} should raise for {@code errno}. Socket errors map to
     * {@code java.net} types as the JDK does; anything else is a plain {@link IOException}.
     */
    public static IOException exception(String operation, int errno) {
        String message = operation + ": " + description(errno) + " (" + name(errno) + ")";
        switch (errno) {
            case ECONNREFUSED: return new ConnectException(message);
            case EADDRINUSE:
            case EADDRNOTAVAIL: return new BindException(message);
            case ENETUNREACH:
            case EHOSTUNREACH: return new NoRouteToHostException(message);
            case EPIPE:
            case ECONNRESET:
            case ECONNABORTED:
            case ETIMEDOUT:
            case ENOTCONN:
            case EDESTADDRREQ:
            case EISCONN:
            case ESHUTDOWN:
            case ENOTSOCK:
            case ENOPROTOOPT:
            case EAFNOSUPPORT:
            case EOPNOTSUPP:
            case EMSGSIZE:
            case ENOBUFS:
                return new SocketException(message);
            default: return new IOException(message);
        }
    }

    /** For datagram sockets, where a refused send means the peer's port is closed. */
    public static IOException datagramException(String operation, int errno) {
        if (errno == ECONNREFUSED) {
            return new PortUnreachableException(operation + ": " + description(errno) + " (" + name(errno) + ")");
        }
        return exception(operation, errno);
    }

    private static String description(int errno) {
        switch (errno) {
            case EPERM: return "Operation not permitted";
            case EINTR: return "Interrupted system call";
            case ENOENT: return "No such file or directory";
            case EBADF: return "Bad file descriptor";
            case EAGAIN: return "Resource temporarily unavailable";
            case ENOMEM: return "Out of memory";
            case EACCES: return "Permission denied";
            case EEXIST: return "File exists";
            case EINVAL: return "Invalid argument";
            case ENFILE: return "Too many open files in system";
            case EMFILE: return "Too many open files";
            case EPIPE: return "Broken pipe";
            case ENOTSOCK: return "Not a socket";
            case EDESTADDRREQ: return "Destination address required";
            case EMSGSIZE: return "Message too long";
            case ENOPROTOOPT: return "Protocol not available";
            case EOPNOTSUPP: return "Operation not supported";
            case EAFNOSUPPORT: return "Address family not supported by protocol";
            case EADDRINUSE: return "Address already in use";
            case EADDRNOTAVAIL: return "Cannot assign requested address";
            case ENETUNREACH: return "Network is unreachable";
            case ECONNABORTED: return "Software caused connection abort";
            case ECONNRESET: return "Connection reset by peer";
            case ENOBUFS: return "No buffer space available";
            case EISCONN: return "Transport endpoint is already connected";
            case ENOTCONN: return "Transport endpoint is not connected";
            case ESHUTDOWN: return "Cannot send after transport endpoint shutdown";
            case ETIMEDOUT: return "Connection timed out";
            case ECONNREFUSED: return "Connection refused";
            case EHOSTUNREACH: return "No route to host";
            case EALREADY: return "Operation already in progress";
            case EINPROGRESS: return "Operation now in progress";
            default: return "System error";
        }
    }
}

package io.jmio.benchmarks.echo.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;

/**
 * One row of the server table: an echo server the harness can start. Every server takes
 * {@code --port N} and prints {@code listening on HOST:PORT} to stderr (see EchoServerArgs).
 *
 * @param id        the name {@code --servers} takes
 * @param label     the name tables and the chart show
 * @param jar       where the JVM server's classes live; null for the harness's own classpath
 * @param mainClass the JVM server's main class; null for the native C reference
 * @param args      arguments before {@code --port}
 * @param jvmArgs   extra JVM options for this server, such as {@code -Djmio.backend=ffm}
 */
record ServerSpec(String id, String label, Path jar, String mainClass, List<String> args, List<String> jvmArgs) {
    static ServerSpec nativeReference(String id, String label) {
        return new ServerSpec(id, label, null, null, List.of(), List.of());
    }

    static ServerSpec jvm(String id, String label, Path jar, String mainClass, String... args) {
        return new ServerSpec(id, label, jar, mainClass, List.of(args), List.of());
    }

    /** This server started with extra JVM options. */
    ServerSpec withJvmArgs(String... options) {
        return new ServerSpec(id, label, jar, mainClass, args, List.of(options));
    }

    boolean isJvm() {
        return mainClass != null;
    }

    /** Why this server cannot be started here (its jar or class is missing), or null when it can. */
    String unavailableReason() {
        if (jar == null) return null;
        if (!Files.isRegularFile(jar)) return jar + " not found (build it: mvn -B -DskipTests package -pl examples -am)";
        String entry = mainClass.replace('.', '/') + ".class";
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getEntry(entry) == null ? jar + " has no class " + mainClass : null;
        } catch (IOException e) {
            return jar + " cannot be read: " + e.getMessage();
        }
    }
}

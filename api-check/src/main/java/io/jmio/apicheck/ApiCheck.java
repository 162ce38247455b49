package io.jmio.apicheck;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jetbrains.kotlin.abi.tools.AbiFilters;
import org.jetbrains.kotlin.abi.tools.AbiTools;

/**
 * Dumps the public API of jars and compares it with the committed dumps, so an API change shows in
 * review as a change to a module's {@code api/} dump, and fails the build when nobody meant it.
 *
 * <p>{@code ApiCheck check|update OUT_DIR JAR=DUMP...}; a check that finds a difference writes
 * this build's dump to OUT_DIR. The dump lists every public class and every public and protected
 * member, with JVM signatures, outside the implementation packages, for Java and Kotlin alike. A
 * public signature that names a type from an implementation package fails the check in both
 * modes: such a type is unusable without depending on internals, so it must not leak.
 */
public final class ApiCheck {
    /** Implementation packages: public in bytecode, no part of the API. */
    private static final List<String> INTERNAL_PACKAGES =
            List.of("io.jmio.sys", "io.jmio.internal", "io.jmio.coroutines.internal");

    /** A binary name of a type in an implementation package, as the dump writes types. */
    private static final Pattern INTERNAL_TYPE = Pattern.compile(
            "(^|[^A-Za-z0-9_$/]L?)(" + String.join("|", INTERNAL_PACKAGES).replace(".", "/") + ")/[A-Za-z0-9_$]+([^A-Za-z0-9_$/]|$)");

    private ApiCheck() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || !(args[0].equals("check") || args[0].equals("update"))) {
            throw new IllegalArgumentException("usage: ApiCheck check|update OUT_DIR JAR=DUMP...");
        }
        boolean update = args[0].equals("update");
        Path outDir = Path.of(args[1]);
        List<String> failures = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("expected JAR=DUMP, got " + args[i]);
            Path dumpFile = Path.of(args[i].substring(eq + 1)).normalize();
            failures.addAll(checkOne(new File(args[i].substring(0, eq)), dumpFile, update, outDir));
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(String.join("\n", failures));
        }
    }

    private static List<String> checkOne(File jar, Path dumpFile, boolean update, Path outDir) throws IOException {
        if (!jar.isFile()) throw new IllegalArgumentException(jar + " is not a jar: run at least `package`");
        String dump = dump(jar);
        List<String> failures = new ArrayList<>(leaks(jar, dump));
        if (update) {
            Files.createDirectories(dumpFile.getParent());
            Files.writeString(dumpFile, dump, StandardCharsets.UTF_8);
            System.out.println("[api-check] wrote " + dumpFile);
        } else if (!Files.isRegularFile(dumpFile)) {
            failures.add(dumpFile + " is missing: create it with mvn -B verify -pl api-check -am -DskipTests -Djmio.api.update");
        } else {
            String committed = Files.readString(dumpFile, StandardCharsets.UTF_8);
            if (!committed.equals(dump)) {
                Path actual = outDir.resolve(dumpFile.getFileName());
                Files.createDirectories(outDir);
                Files.writeString(actual, dump, StandardCharsets.UTF_8);
                failures.add("The public API of " + jar.getName() + " differs from " + dumpFile
                        + " (this build's dump: " + actual + "; diff -u the two).\n"
                        + "If the change is meant, update the dump with"
                        + " mvn -B verify -pl api-check -am -DskipTests -Djmio.api.update and commit it.");
            }
        }
        return failures;
    }

    private static String dump(File jar) {
        List<String> excluded = new ArrayList<>();
        for (String pkg : INTERNAL_PACKAGES) excluded.add(pkg + ".**");
        AbiFilters filters = new AbiFilters(Set.of(), Set.copyOf(excluded), Set.of(), Set.of());
        StringBuilder out = new StringBuilder();
        AbiTools.Companion.getInstance(ApiCheck.class.getClassLoader()).printJvmDump(out, List.of(jar), filters);
        return out.toString();
    }

    /** Lines of the dump (JVM descriptors, slash-separated) that name an implementation type. */
    private static List<String> leaks(File jar, String dump) {
        List<String> failures = new ArrayList<>();
        for (String line : dump.split("\n")) {
            if (INTERNAL_TYPE.matcher(line).find()) {
                failures.add(jar.getName() + ": a public signature names an internal type: " + line.trim());
            }
        }
        return failures;
    }
}

package dev.sherlock.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packages each compiled class refers to, read from the class files' constant pools: every class a class uses
 * (types, method and field owners, descriptors, signatures) is named there as {@code dev/sherlock/...}.
 */
public final class ClassReferences {

    private static final Pattern reference = Pattern.compile("dev/sherlock/[a-z/]+/(?=[A-Z$])|dev/sherlock/(?=[A-Z$])");

    private final Map<String, TreeSet<String>> packagesByClass = new TreeMap<>();

    private ClassReferences(Path location) {
        if (Files.isRegularFile(location)) {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                read(jar.getPath("/"));
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        else {
            read(location);
        }
    }

    private void read(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".class")).toList()) {
                String name = root.relativize(file).toString().replace('\\', '/').replaceAll("\\.class$", "");
                // ISO-8859-1 maps every byte to one char, so ASCII names are found where they are.
                Matcher matcher = reference.matcher(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
                TreeSet<String> packages = new TreeSet<>();
                while (matcher.find()) {
                    String found = matcher.group();
                    packages.add(found.substring(0, found.length() - 1).replace('/', '.'));
                }
                packagesByClass.put(name.replace('/', '.'), packages);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The references of the classes compiled into the folder or jar that holds {@code type}.
     * @param type a class of the module to read
     * @return the references
     */
    public static ClassReferences ofModuleOf(Class<?> type) {
        try {
            return new ClassReferences(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        catch (URISyntaxException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The classes of {@code pkg} (not of its subpackages) that refer to a class of {@code forbidden} or of its
     * subpackages, each with what it refers to.
     * @param pkg a package, e.g. {@code dev.sherlock}
     * @param forbidden a package, e.g. {@code dev.sherlock.redis}
     * @return the offending classes, by name
     */
    public Map<String, List<String>> classesOf(String pkg, String forbidden) {
        Map<String, List<String>> offenders = new TreeMap<>();
        packagesByClass.forEach((name, packages) -> {
            if (name.substring(0, Math.max(0, name.lastIndexOf('.'))).equals(pkg)) {
                List<String> hits = packages.stream()
                        .filter(used -> used.equals(forbidden) || used.startsWith(forbidden + ".")).toList();
                if (!hits.isEmpty()) {
                    offenders.put(name, hits);
                }
            }
        });
        return offenders;
    }

    /**
     * How many classes were read.
     * @return the number of class files
     */
    public int size() {
        return packagesByClass.size();
    }
}

package dev.sherlock.testserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sets up SASL PLAIN for a memcached started with {@code -S}, inside its temporary directory only: a Cyrus SASL
 * configuration {@code memcached.conf} ({@code mech_list: plain}, {@code sasldb_path} pointing next to it) found
 * through {@code SASL_CONF_PATH}, and a sasldb2 password database holding one user.
 *
 * <p>Debian's memcached is built without {@code --enable-sasl-pwdb}, so it ignores {@code MEMCACHED_SASL_PWDB};
 * Cyrus SASL checks PLAIN passwords against a sasldb2 (Berkeley DB 5.3 hash) instead. {@code saslpasswd2} would
 * write one but needs the package sasl2-bin; Perl's DB_File, part of Debian's perl, writes the same database. An
 * entry's key is {@code user NUL realm NUL "userPassword"}; memcached's realm is the host name.
 */
final class SaslDatabase {

    private static final String WRITE_ENTRY = """
            use DB_File; use Fcntl; use Sys::Hostname;
            my ($file, $user, $password) = @ARGV;
            tie my %db, 'DB_File', $file, O_RDWR | O_CREAT, 0600, $DB_HASH or die "cannot open $file: $!";
            $db{join("\\0", $user, hostname(), 'userPassword')} = $password;
            untie %db or die "cannot write $file: $!";
            """;

    private SaslDatabase() {
    }

    /**
     * Writes the configuration and the database for one user into the directory.
     * @return the environment memcached needs to find them
     */
    static Map<String, String> prepare(Path directory, String username, String password) {
        Path database = directory.resolve("sasldb2");
        try {
            Files.writeString(directory.resolve("memcached.conf"),
                    "mech_list: plain\nsasldb_path: " + database + "\n", StandardCharsets.UTF_8);
            String perl = LocalServer.requireBinary("perl", "perl", "the SASL password database of memcached");
            Process process = new ProcessBuilder(List.of(perl, "-e", WRITE_ENTRY, database.toString(), username,
                    password)).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("perl did not write the SASL database " + database + " in 30 s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("Cannot write the SASL database " + database + " for memcached: perl"
                        + " exited with " + process.exitValue() + ": " + output + ". It needs Perl's DB_File module"
                        + " (Debian package perl)");
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot write the SASL configuration of memcached in " + directory, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing the SASL database of memcached", ex);
        }
        return Map.of("SASL_CONF_PATH", directory.toString());
    }
}

package dev.sherlock.file;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.TimeUnit;

/**
 * What the file backend tests do to a directory as another user or a cleaner would: change owners and modes
 * without following links, plant FIFOs, remove trees.
 */
final class FileTesting {

    private FileTesting() {
    }

    /** The permission bits, with set-id and sticky bits, as {@code ls} and {@code chmod} write them. */
    static String mode(Path file) throws IOException {
        return String.format("%04o", (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    static void chmod(Path file, int mode) throws IOException {
        Files.setAttribute(file, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether the tests run as root, who alone can give files to another user. */
    static boolean root() {
        return DirectoryRules.currentUid() == 0;
    }

    /** Gives {@code file} (a link itself, not its target) to the unprivileged user {@code nobody}; needs root. */
    static UserPrincipal giveToNobody(Path file) throws IOException {
        UserPrincipal nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(nobody);
        return nobody;
    }

    static void mkfifo(Path file) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("mkfifo " + file + " failed");
        }
    }

    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException ex) throws IOException {
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

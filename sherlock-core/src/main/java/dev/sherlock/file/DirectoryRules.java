package dev.sherlock.file;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

import dev.sherlock.LockConfigurationException;

/**
 * Who may own and write a lock directory and its parents on a POSIX file system, and the messages that say why one
 * is refused.
 */
final class DirectoryRules {

    private static final int GROUP_OR_OTHERS_WRITE = 0022;

    private static final int STICKY = 01000;

    private static final int TYPE = 0170000;

    private static final int DIRECTORY = 0040000;

    private static final String OPT_IN = "if processes of several users must share it, make it sticky (chmod +t) and"
            + " opt in to a shared directory (FileBackend.builder().directory(directory).sharedDirectory(true).build(), or sherlock.file.shared-directory=true)";

    private static final int uid = findCurrentUid();

    private DirectoryRules() {
    }

    /**
     * A private directory must belong to this user and must not be writable by group or others; a shared one that is
     * writable by group or others must be sticky.
     */
    static void checkDirectory(Path directory, Map<String, Object> attributes, boolean shared) {
        int mode = (Integer) attributes.get("mode");
        int owner = (Integer) attributes.get("uid");
        if ((mode & TYPE) != DIRECTORY) {
            throw new LockConfigurationException(describe(directory, attributes) + " is not a directory: a symbolic"
                    + " link or another kind of file took its place. Refusing to use it; remove it");
        }
        if (shared) {
            if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new LockConfigurationException(describe(directory, attributes) + " is shared but not sticky: any"
                        + " user who can write it could remove or replace other users' lock files. Make it sticky"
                        + " (chmod +t " + directory + ")");
            }
            return;
        }
        if (uid >= 0 && owner != uid) {
            throw new LockConfigurationException(describe(directory, attributes) + " does not belong to "
                    + currentUser() + ", who runs this process: its owner could replace the lock files and break"
                    + " mutual exclusion. Remove it so that Sherlock creates it with mode 0700, change its owner"
                    + " (chown), or choose a directory of your own; " + OPT_IN);
        }
        if ((mode & GROUP_OR_OTHERS_WRITE) != 0) {
            throw new LockConfigurationException(describe(directory, attributes) + " is writable by group or others:"
                    + " another user could plant links or replace the lock files. Remove their write access (chmod"
                    + " go-w " + directory + "), or choose a directory of your own; " + OPT_IN);
        }
    }

    /**
     * Every parent must belong to root, to this user or to the directory's owner, and must not be writable by others
     * unless sticky: whoever can rename entries in a parent can swap the lock directory for another.
     */
    static void checkParents(Path directory, int directoryOwner) {
        for (Path parent = directory.getParent(); parent != null; parent = parent.getParent()) {
            Map<String, Object> attributes;
            try {
                attributes = Files.readAttributes(parent, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            }
            catch (IOException ex) {
                throw new LockConfigurationException("Backend file: parent " + parent + " of 'directory' " + directory
                        + " cannot be read: " + ex, ex);
            }
            int owner = (Integer) attributes.get("uid");
            int mode = (Integer) attributes.get("mode");
            boolean trusted = owner == 0 || owner == uid || owner == directoryOwner;
            if (!trusted || ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0)) {
                throw new LockConfigurationException("Backend file: 'directory' " + directory + " lies in " + parent
                        + " (owner " + ownerName(parent, owner) + ", mode " + mode(mode) + "), where "
                        + (trusted ? "any user who can write it" : "its owner")
                        + " could rename the lock directory and put another in its place. Choose a directory whose"
                        + " parents belong to root or to " + currentUser() + " and are not writable by others unless"
                        + " sticky (like /tmp)");
            }
        }
    }

    /** {@code Backend file: 'directory' /x (owner nobody (uid 65534), mode 0777)}. */
    static String describe(Path directory, Map<String, Object> attributes) {
        return "Backend file: 'directory' " + directory + " (owner "
                + ownerName(directory, (Integer) attributes.get("uid")) + ", mode "
                + mode((Integer) attributes.get("mode")) + ")";
    }

    static String ownerName(Path file, int owner) {
        try {
            return Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName() + " (uid " + owner + ")";
        }
        catch (IOException | RuntimeException ex) {
            return "uid " + owner;
        }
    }

    static String currentUser() {
        return System.getProperty("user.name") + (uid >= 0 ? " (uid " + uid + ")" : "");
    }

    static int currentUid() {
        return uid;
    }

    private static String mode(int mode) {
        return String.format("%04o", mode & 07777);
    }

    /** The real user id of this process, or -1 where it cannot be known (then ownership is not checked). */
    private static int findCurrentUid() {
        try {
            return (int) new com.sun.security.auth.module.UnixSystem().getUid();
        }
        catch (LinkageError | RuntimeException ex) {
            // Without the jdk.security.auth module (a trimmed runtime image), or not on a POSIX system.
        }
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }
}

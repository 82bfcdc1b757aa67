package dev.sherlock.testserver;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Sends POSIX signals to processes the tests started themselves (servers, worker JVMs), with {@code kill}: pause
 * ({@code SIGSTOP}, as a long GC pause or a frozen VM would), resume ({@code SIGCONT}) and crash ({@code SIGKILL}).
 */
public final class ProcessSignals {

    private ProcessSignals() {
    }

    /**
     * Pauses the process: it keeps its sockets and file locks but runs no code until {@link #resume(long)}.
     * @param pid the process id
     */
    public static void pause(long pid) {
        send("STOP", pid);
    }

    /**
     * Lets a paused process run again; harmless for a running one.
     * @param pid the process id
     */
    public static void resume(long pid) {
        send("CONT", pid);
    }

    /**
     * Kills the process at once, as a crash would; the OS drops its connections and file locks.
     * @param pid the process id
     */
    public static void kill(long pid) {
        send("KILL", pid);
    }

    private static void send(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " " + pid + " did not finish in 10 s");
            }
            String output = new String(kill.getInputStream().readAllBytes()).trim();
            if (kill.exitValue() != 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot run kill -" + signal + " " + pid, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending " + signal + " to " + pid, ex);
        }
    }
}

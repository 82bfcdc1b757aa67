package dev.sherlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalServerTests {

    @Test
    void startsARealRedisOnAFreePortAndStopsIt() throws IOException {
        LocalServer server = LocalServer.start(TestServers.REDIS);
        try (Socket socket = new Socket(server.host(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            assertThat(in.readNBytes(reply, 0, 7)).isEqualTo(7);
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("+PONG\r\n");
        }
        finally {
            server.close();
        }
        assertThat(server.isAlive()).isFalse();
    }

    @Test
    void restartComesBackOnTheSamePortWithoutTheDataOfAServerWithoutPersistence() throws IOException {
        LocalServer server = LocalServer.startOnPorts(TestServers.REDIS, LocalServer.freePorts(1));
        try {
            int port = server.port();
            assertThat(redis(server, "SET", "before", "1")).isEqualTo("+OK");
            long pid = server.pid();
            server.restart();
            assertThat(server.port()).isEqualTo(port);
            assertThat(server.pid()).isNotEqualTo(pid);
            assertThat(redis(server, "EXISTS", "before")).isEqualTo(":0");
        }
        finally {
            server.close();
        }
    }

    @Test
    void aPausedServerAnswersOnceResumed() throws IOException {
        LocalServer server = LocalServer.startOnPorts(TestServers.REDIS, LocalServer.freePorts(1));
        try (Socket socket = new Socket(server.host(), server.port())) {
            ProcessSignals.pause(server.pid());
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            ProcessSignals.resume(server.pid());
            assertThat(new String(socket.getInputStream().readNBytes(7), StandardCharsets.US_ASCII))
                    .isEqualTo("+PONG\r\n");
        }
        finally {
            server.close();
        }
    }

    /** Sends one command in RESP and returns the first line of the reply. */
    private static String redis(LocalServer server, String... command) throws IOException {
        StringBuilder request = new StringBuilder("*" + command.length + "\r\n");
        for (String part : command) {
            request.append('$').append(part.length()).append("\r\n").append(part).append("\r\n");
        }
        try (Socket socket = new Socket(server.host(), server.port())) {
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            StringBuilder reply = new StringBuilder();
            for (int c = socket.getInputStream().read(); c != '\r' && c >= 0; c = socket.getInputStream().read()) {
                reply.append((char) c);
            }
            return reply.toString();
        }
    }

    @Test
    void missingBinaryFailsSayingWhatToInstall() {
        LocalServer.Spec missing = new LocalServer.Spec("nothing", "sherlock-no-such-server", "no-such-package", 1,
                (binary, ports, dir) -> List.of(binary));
        assertThatThrownBy(() -> LocalServer.start(missing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'sherlock-no-such-server' is not installed")
                .hasMessageContaining("apt-get install no-such-package");
    }

    @Test
    void freePortsAreDistinct() {
        int[] ports = LocalServer.freePorts(3);
        assertThat(ports).doesNotHaveDuplicates().doesNotContain(0);
    }
}

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

package dev.sherlock.file;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** One slot of a state file: what is written, read back, and refused. */
class LockFileTests {

    @ParameterizedTest
    @ValueSource(strings = {"", "owner-1", "a.b_c*d-e", "with space", "50%+more", "ünïcødé", "tab\there", "a=b", "~x/y"})
    void ownerTokensAreWrittenUrlEncodedAndReadBackUnchanged(String owner) {
        LockFile state = new LockFile(owner, 42, "boot-1", 123, 456, false);

        byte[] slot = state.encode(7);
        LockFile.Slot read = LockFile.decode(slot, 0, slot.length);

        assertThat(new String(slot, StandardCharsets.US_ASCII))
                .contains("\nowner=" + URLEncoder.encode(owner, StandardCharsets.UTF_8) + "\n");
        assertThat(read).isNotNull();
        assertThat(read.sequence()).isEqualTo(7);
        assertThat(read.state()).isEqualTo(state);
    }

    @Test
    void aNeverExpiringHoldIsReadBackAsOne() {
        LockFile state = new LockFile("owner-1", 42, "boot-1", 0, 0, true);

        byte[] slot = state.encode(1);

        assertThat(LockFile.decode(slot, 0, slot.length).state()).isEqualTo(state);
    }

    @Test
    void aTornSlotFailsItsChecksum() {
        byte[] slot = new LockFile("owner-1", 42, "boot-1", 123, 456, false).encode(3);
        slot[40] ^= 1;

        assertThat(LockFile.decode(slot, 0, slot.length)).isNull();
    }

    @Test
    void fieldsOfALaterVersionAreIgnoredAndTheLastOfARepeatedFieldCounts() {
        byte[] slot = slot("sequence=5\nowner=first\nflavour=new\nowner=owner-2\ntoken=9\nboot=b\nexpires=never\n"
                + "ttl=0\nno equals sign\n");

        LockFile.Slot read = LockFile.decode(slot, 0, slot.length);

        assertThat(read).isNotNull();
        assertThat(read.state()).isEqualTo(new LockFile("owner-2", 9, "b", 0, 0, true));
    }

    @Test
    void aSlotWithoutTokenOrSequenceIsRefused() {
        byte[] noToken = slot("sequence=5\nowner=o\nboot=b\nexpires=1\nttl=0\n");
        byte[] noSequence = slot("owner=o\ntoken=9\nboot=b\nexpires=1\nttl=0\n");

        assertThat(LockFile.decode(noToken, 0, noToken.length)).isNull();
        assertThat(LockFile.decode(noSequence, 0, noSequence.length)).isNull();
    }

    /** A slot of these fields with a valid checksum. */
    private static byte[] slot(String fields) {
        byte[] body = (LockFile.HEADER + fields).getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(body);
        String check = "crc32=" + String.format("%08x", crc.getValue()) + "\n";
        return (new String(body, StandardCharsets.US_ASCII) + check).getBytes(StandardCharsets.US_ASCII);
    }
}

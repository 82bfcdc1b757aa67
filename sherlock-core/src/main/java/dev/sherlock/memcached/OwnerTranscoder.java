package dev.sherlock.memcached;

import java.nio.charset.StandardCharsets;

import net.spy.memcached.CachedData;
import net.spy.memcached.transcoders.Transcoder;

/**
 * Stores owner tokens as plain UTF-8 bytes with flags {@code 0}, whatever the client's default transcoder is.
 *
 * <p>Flags {@code 0} is "raw bytes" for pylibmc, so py-sherlock's {@code locked()} reads a Java lock without
 * error. Values are decoded as UTF-8 whatever their flags, so py-sherlock's text values read back as their UUID.
 */
final class OwnerTranscoder implements Transcoder<String> {

    static final OwnerTranscoder INSTANCE = new OwnerTranscoder();

    private OwnerTranscoder() {
    }

    @Override
    public boolean asyncDecode(CachedData data) {
        return false;
    }

    @Override
    public CachedData encode(String owner) {
        return new CachedData(0, owner.getBytes(StandardCharsets.UTF_8), getMaxSize());
    }

    @Override
    public String decode(CachedData data) {
        return new String(data.getData(), StandardCharsets.UTF_8);
    }

    @Override
    public int getMaxSize() {
        return CachedData.MAX_SIZE;
    }
}

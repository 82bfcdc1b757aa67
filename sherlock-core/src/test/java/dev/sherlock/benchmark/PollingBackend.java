package dev.sherlock.benchmark;

import java.time.Duration;

import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.WaitOutcome;

/** A backend without its notifications: waiters sleep until their next attempt, as with the SPI's default. */
final class PollingBackend extends ForwardingBackend {

    PollingBackend(LockBackend delegate) {
        super(delegate);
    }

    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        Thread.sleep(Math.max(1, maxWait.toMillis()));
        return WaitOutcome.tryAgain();
    }
}

package dev.sherlock.spring.aop;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;

import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.annotation.DistributedLock.OnFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Annotations that cannot be honoured fail when their bean is created, naming the method and the attribute.
 */
class DistributedLockValidationTests {

    @TempDir
    Path directory;

    @Test
    void skipOnPrimitiveReturnTypeFailsAtStartup() {
        assertStartupFailure(PrimitiveSkip.class, "@DistributedLock on DistributedLockValidationTests.PrimitiveSkip"
                + ".count(): onFailure SKIP returns null when the lock is not acquired, but the method returns int."
                + " Return void, a reference type or Optional, or use onFailure THROW");
    }

    @Test
    void throwOnPrimitiveReturnTypeIsAccepted() {
        new LockContext(directory).runner().withBean(PrimitiveThrow.class)
            .run(context -> assertThat(context.getBean(PrimitiveThrow.class).count()).isEqualTo(1));
    }

    @Test
    void futureReturnTypeFailsAtStartup() {
        assertStartupFailure(FutureResult.class, "@DistributedLock on DistributedLockValidationTests.FutureResult"
                + ".start(): the method returns java.util.concurrent.CompletableFuture, so the lock would be released"
                + " when the work starts, not when it ends. Lock inside the asynchronous work instead, or return its"
                + " result");
        assertStartupFailure(PlainFuture.class, "@DistributedLock on DistributedLockValidationTests.PlainFuture"
                + ".start(): the method returns java.util.concurrent.Future, so the lock would be released when the"
                + " work starts, not when it ends. Lock inside the asynchronous work instead, or return its result");
    }

    @Test
    void reactiveReturnTypeFailsAtStartup() {
        assertStartupFailure(ReactiveResult.class, "@DistributedLock on DistributedLockValidationTests.ReactiveResult"
                + ".load(): the method returns reactor.core.publisher.Mono, so the lock would be released when the"
                + " work starts, not when it ends. Lock inside the asynchronous work instead, or return its result");
        assertStartupFailure(FlowResult.class, "@DistributedLock on DistributedLockValidationTests.FlowResult"
                + ".load(): the method returns java.util.concurrent.Flow$Publisher, so the lock would be released"
                + " when the work starts, not when it ends. Lock inside the asynchronous work instead, or return its"
                + " result");
    }

    @Test
    void unparsableDurationFailsAtStartup() {
        assertStartupFailure(BadDuration.class, "@DistributedLock on DistributedLockValidationTests.BadDuration"
                + ".run(): 'timeout' value '10 parsecs' is not a duration. Use e.g. \"10s\", \"500ms\", \"PT1M\" or a"
                + " number of milliseconds");
    }

    @Test
    void negativeDurationFailsAtStartup() {
        assertStartupFailure(NegativeExpire.class, "@DistributedLock on DistributedLockValidationTests.NegativeExpire"
                + ".run(): 'expire' must be zero (never expires) or positive but was PT-1S");
    }

    @Test
    void overlongDurationFailsAtStartupWithCoreLimit() {
        assertStartupFailure(HugeTimeout.class, "@DistributedLock on DistributedLockValidationTests.HugeTimeout"
                + ".run(): 'timeout' must be at most 36500 days but was PT876024H; use a lock that never expires"
                + " instead of a huge expiry");
    }

    @Test
    void unresolvedPlaceholderFailsAtStartup() {
        assertStartupFailure(Unresolved.class, "@DistributedLock on DistributedLockValidationTests.Unresolved"
                + ".run(): 'expire' value '${missing.expire}' has a placeholder that could not be resolved. Define the"
                + " property or give a duration");
    }

    @Test
    void finalMethodOnClassProxyFailsAtStartup() {
        assertStartupFailure(FinalMethod.class, "@DistributedLock on DistributedLockValidationTests.FinalMethod"
                + ".run(): a final method is not intercepted by the class proxy, so it would run unlocked. Remove"
                + " 'final'");
    }

    @Test
    void privateMethodFailsAtStartup() {
        assertStartupFailure(PrivateMethod.class, "@DistributedLock on DistributedLockValidationTests.PrivateMethod"
                + ".run(): a private method is never called through the proxy, so it would run unlocked. Make it a"
                + " public instance method");
    }

    private void assertStartupFailure(Class<?> bean, String message) {
        new LockContext(directory).runner().withBean(bean).run(context -> assertThat(context).hasFailed()
            .getFailure()
            .hasMessageContaining("Error creating bean with name")
            .rootCause()
            .hasMessage(message));
    }

    static class PrimitiveSkip {

        @DistributedLock(name = "count", onFailure = OnFailure.SKIP)
        public int count() {
            return 1;
        }
    }

    static class PrimitiveThrow {

        @DistributedLock(name = "count")
        public int count() {
            return 1;
        }
    }

    static class FutureResult {

        @DistributedLock(name = "start")
        public CompletableFuture<String> start() {
            return CompletableFuture.completedFuture("started");
        }
    }

    static class PlainFuture {

        @DistributedLock(name = "start")
        public Future<String> start() {
            return CompletableFuture.completedFuture("started");
        }
    }

    static class ReactiveResult {

        @DistributedLock(name = "load")
        public Mono<String> load() {
            return Mono.just("loaded");
        }
    }

    static class FlowResult {

        @DistributedLock(name = "load")
        public Flow.Publisher<String> load() {
            return subscriber -> { };
        }
    }

    static class BadDuration {

        @DistributedLock(name = "run", timeout = "10 parsecs")
        public void run() {
        }
    }

    static class NegativeExpire {

        @DistributedLock(name = "run", expire = "-1s")
        public void run() {
        }
    }

    static class HugeTimeout {

        @DistributedLock(name = "run", timeout = "36501d")
        public void run() {
        }
    }

    static class Unresolved {

        @DistributedLock(name = "run", expire = "${missing.expire}")
        public void run() {
        }
    }

    static class FinalMethod {

        @DistributedLock(name = "run")
        public final void run() {
        }
    }

    static class PrivateMethod {

        public void call() {
            run();
        }

        @DistributedLock(name = "run")
        private void run() {
        }
    }
}
